"""Synthetic demo world with a known hiring-success ground truth.

``generate_world`` builds companies (with StartupOS-like snapshots), employees, users, roles,
candidates, interviews, hires, onboarding plans and checkpoints and a year of monthly culture
pulse checks. Every dict's keys are the database column names; ``companies[i]["snapshot"]``
and ``candidates[i]["features"]`` are generator-only extras.

Hidden ground truth
-------------------
Each (candidate, company) pair has the observed features in :data:`FEATURES` (none is a
protected attribute or a proxy for one). The probability that a hire succeeds is

    p = sigmoid(z), z = -0.30
        + 3.0 (skills_match - 0.55)
        + 1.2 (culture_alignment - 0.55)
        + stage_experience (1.2 - 0.3 stage)             # stage fit matters most early
        + (builder_signal - 0.45)(0.5 + 0.5 (3 - stage))  # builders matter most early
        + 1.0 (velocity_signal - 0.5)(1 + 0.4 [stage <= 1])
        + 0.15 min(relevant_years, 8) - 0.6
        - 0.5 seniority_gap^2                             # over- and under-levelling both hurt
        - short_tenures (0.25 + 0.15 stage)               # job hopping hurts more later
        - 0.04 employment_gap_months
        + 0.15 min(avg_tenure_years, 4)

with ``stage = company_stage_index`` (0 pre-seed … 3 series B). The only noise is the
Bernoulli draw of the outcome, so the best possible model is p itself and the Bayes-optimal
AUC is the expected AUC of ranking by p (:func:`expected_auc`), computed on a large sample of
the feature distribution (:func:`bayes_auc`).

Outcomes: a success draw is recorded as ``success``; a failure draw as ``failure`` (the hire
leaves within 30-200 days) or, one time in four, ``neutral`` (stays, mixed performance). For
training labels ``success`` is 1 and the others 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from ml import synthetic_text as txt
from ml.features import SIGNALS
from ml.interview_questions import DEFAULT_DIMENSIONS
from ml.synthetic_pulse import add_pulses
from ml.synthetic_retention import add_retention_history
from ml.synthetic_self_id import add_self_identification

GROUND_TRUTH_NAME = "synthetic_hiring_success"
GROUND_TRUTH_VERSION = "gt-1"
STAGES = ("pre_seed", "seed", "series_a", "series_b")
FUNDING = {"pre_seed": "angel", "seed": "seed", "series_a": "series_a", "series_b": "series_b"}
# The observed signals: their one home is ml.features (live scoring reads it from there).
FEATURES: tuple[str, ...] = SIGNALS
COEFFICIENTS = {
    "intercept": -0.30,
    "skills_match": 3.0,
    "culture_alignment": 1.2,
    "stage_experience": 1.2,
    "stage_experience_x_stage": -0.3,
    "builder_signal_x_earliness": 0.5,
    "velocity_signal": 1.0,
    "relevant_years_capped_8": 0.15,
    "seniority_gap_squared": -0.5,
    "short_tenures": -0.25,
    "short_tenures_x_stage": -0.15,
    "employment_gap_months": -0.04,
    "avg_tenure_capped_4": 0.15,
}
FORMULA = (
    "z = -0.30 + 3.0(skills_match-0.55) + 1.2(culture_alignment-0.55) "
    "+ stage_experience(1.2-0.3 stage) + (builder_signal-0.45)(0.5+0.5(3-stage)) "
    "+ 1.0(velocity_signal-0.5)(1+0.4[stage<=1]) + 0.15 min(relevant_years,8) - 0.6 "
    "- 0.5 seniority_gap^2 - short_tenures(0.25+0.15 stage) - 0.04 employment_gap_months "
    "+ 0.15 min(avg_tenure_years,4); p = sigmoid(z)"
)
_STATUS_ORDER = ("applied", "screening", "interview", "offer", "hired")
# Minimum days since applying before a candidate can have reached each stage.
_MIN_DAYS = (0, 5, 14, 30, 45)
# Base pass rates of screening, interview, offer and acceptance (logit offsets).
_PASS_OFFSET = (-0.1, -0.2, -0.3, 1.4)
_TEAM_SIZE = {0: (2, 6), 1: (6, 15), 2: (18, 45), 3: (40, 90)}


@dataclass(frozen=True)
class World:
    """Rows for every demo table, keyed by column name."""

    seed: int
    as_of: date
    companies: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    interviews: list[dict[str, Any]] = field(default_factory=list)
    interview_panelists: list[dict[str, Any]] = field(default_factory=list)
    interview_scorecards: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    hires: list[dict[str, Any]] = field(default_factory=list)
    onboarding_plans: list[dict[str, Any]] = field(default_factory=list)
    onboarding_checkpoints: list[dict[str, Any]] = field(default_factory=list)
    culture_pulses: list[dict[str, Any]] = field(default_factory=list)
    culture_pulse_participants: list[dict[str, Any]] = field(default_factory=list)
    culture_pulse_checks: list[dict[str, Any]] = field(default_factory=list)
    candidate_stage_events: list[dict[str, Any]] = field(default_factory=list)
    self_id: list[dict[str, Any]] = field(default_factory=list)
    ground_truth: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- ground truth


def success_logit(X: pd.DataFrame) -> np.ndarray:
    """The hidden ground-truth logit (see the module docstring)."""
    stage = X["company_stage_index"].to_numpy(dtype=float)
    early = (stage <= 1).astype(float)
    return (
        COEFFICIENTS["intercept"]
        + 3.0 * (X["skills_match"].to_numpy() - 0.55)
        + 1.2 * (X["culture_alignment"].to_numpy() - 0.55)
        + X["stage_experience"].to_numpy() * (1.2 - 0.3 * stage)
        + (X["builder_signal"].to_numpy() - 0.45) * (0.5 + 0.5 * (3 - stage))
        + 1.0 * (X["velocity_signal"].to_numpy() - 0.5) * (1 + 0.4 * early)
        + 0.15 * np.minimum(X["relevant_years"].to_numpy(), 8)
        - 0.6
        - 0.5 * X["seniority_gap"].to_numpy() ** 2
        - X["short_tenures"].to_numpy() * (0.25 + 0.15 * stage)
        - 0.04 * X["employment_gap_months"].to_numpy()
        + 0.15 * np.minimum(X["avg_tenure_years"].to_numpy(), 4)
    )


def success_probability(X: pd.DataFrame) -> np.ndarray:
    """Probability that a hire with features ``X`` succeeds."""
    return expit(success_logit(X))


def expected_auc(p: np.ndarray) -> float:
    """Expected AUC of ranking by ``p`` when each label is Bernoulli(p), in O(n log n).

    Sum over ordered pairs i != j of p_i (1 - p_j) [1(p_i > p_j) + 0.5 1(p_i = p_j)],
    divided by the sum over i != j of p_i (1 - p_j).
    """
    p = np.asarray(p, dtype=float)
    values, inverse = np.unique(p, return_inverse=True)
    neg_per_value = np.bincount(inverse, weights=1 - p, minlength=len(values))
    neg_below = np.cumsum(neg_per_value) - neg_per_value
    self_pairs = float(np.sum(p * (1 - p)))
    numerator = float(np.sum(p * (neg_below[inverse] + 0.5 * neg_per_value[inverse])))
    numerator -= 0.5 * self_pairs  # a tie with itself is not a pair
    denominator = float(p.sum() * (1 - p).sum()) - self_pairs
    return numerator / denominator


def _sample_features(
    rng: np.random.Generator, stage: np.ndarray, role_level: np.ndarray, n_must: np.ndarray
) -> pd.DataFrame:
    """Observed features of ``len(stage)`` candidates for roles at the given levels."""
    n = len(stage)
    years = np.clip(rng.gamma(2.2, 3.0, n), 0.5, 25.0)
    relevant = years * rng.beta(4, 2, n)
    # Skills are counted against the role's must-have list, so the match is k / n_must.
    skills = rng.binomial(n_must, rng.beta(2.5, 2.0, n)) / n_must
    tenure = np.minimum(np.clip(rng.lognormal(np.log(2.0), 0.55, n), 0.3, 10.0), years)
    short = rng.poisson(0.4 + 0.8 * (tenure < 1.5))
    gap = np.where(rng.random(n) < 0.3, np.round(rng.exponential(6.0, n)), 0.0)
    level = np.digitize(years, (2.0, 5.0, 9.0))
    return pd.DataFrame(
        {
            "skills_match": skills,
            "years_experience": np.round(years, 1),
            "relevant_years": np.round(relevant, 1),
            "stage_experience": (rng.random(n) < 0.35).astype(float),
            "culture_alignment": rng.beta(3.0, 2.5, n),
            "velocity_signal": rng.beta(2.5, 2.5, n),
            "builder_signal": rng.beta(2.0, 2.5, n),
            "avg_tenure_years": np.round(tenure, 1),
            "short_tenures": short.astype(float),
            "employment_gap_months": gap,
            "seniority_gap": np.clip(level - role_level, -3, 3).astype(float),
            "company_stage_index": stage.astype(float),
        },
        columns=list(FEATURES),
    )


def generate_history(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``n`` i.i.d. historical hires: features, outcomes (1 = success) and true p."""
    rng = np.random.default_rng([seed, 1])
    stage = rng.integers(0, 4, n)
    X = _sample_features(rng, stage, rng.integers(0, 4, n), rng.integers(4, 7, n))
    p = success_probability(X)
    y = (rng.random(n) < p).astype(int)
    return X, y, p


def bayes_auc(seed: int = 0, n: int = 200_000) -> float:
    """Best achievable AUC on this population: the expected AUC of the true probability."""
    _, _, p = generate_history(n, seed)
    return expected_auc(p)


# --------------------------------------------------------------------------- world


class _Ids:
    """Deterministic UUIDs per seed: the same seed always gives the same ids."""

    def __init__(self, seed: int) -> None:
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"peopleos-demo:{seed}")

    def __call__(self, *key: object) -> uuid.UUID:
        return uuid.uuid5(self._namespace, ":".join(map(str, key)))


def _at(day: date, rng: np.random.Generator) -> datetime:
    """A working-hours timestamp on ``day`` (UTC)."""
    seconds = int(rng.integers(8 * 3600, 18 * 3600))
    return datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _salary_band(level: int, stage: int) -> dict[str, Any]:
    """A role's annual salary band (USD): by level, a little higher at later stages."""
    middle = (85_000, 115_000, 150_000, 190_000)[level] * (0.85, 0.95, 1.0, 1.1)[stage]
    return {
        "min": int(round(middle * 0.88, -3)),
        "max": int(round(middle * 1.12, -3)),
        "currency": "USD",
    }


def _stage_plan(n_companies: int) -> list[int]:
    order = [1, 2, 3] if n_companies <= 3 else [0, 1, 2, 3]
    return [order[i % len(order)] for i in range(n_companies)]


# Tries at a first-and-last name before adding a middle initial (60 x 26 x 50 names then).
_PLAIN_NAME_TRIES = 25
_INITIALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Builder:
    def __init__(self, n_companies: int, n_candidates: int, seed: int, as_of: date) -> None:
        self.rng = np.random.default_rng([seed, 0])
        # Pay expectations draw from their own stream so they leave every other row as it was.
        self.pay_rng = np.random.default_rng([seed, 9])
        self.ids = _Ids(seed)
        self.seed = seed
        self.as_of = as_of
        self.n_companies = n_companies
        self.n_candidates = n_candidates
        self.world = World(seed=seed, as_of=as_of)
        self.used_names: set[str] = set()

    # ----- people
    def person(self) -> str:
        """A name nobody in the world has yet: first and last name, then (once those run
        short, as in a 50,000-candidate company) a middle initial as well.

        Small worlds never reach the middle initials, so their draws (and every row after
        them) are the same as before the initials existed.
        """
        for _ in range(_PLAIN_NAME_TRIES):
            name = f"{self.rng.choice(txt.FIRST_NAMES)} {self.rng.choice(txt.LAST_NAMES)}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        for _ in range(1000):
            first, last = self.rng.choice(txt.FIRST_NAMES), self.rng.choice(txt.LAST_NAMES)
            name = f"{first} {_INITIALS[int(self.rng.integers(0, 26))]}. {last}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("name bank exhausted")

    def choice(self, items: tuple | list) -> Any:
        return items[int(self.rng.integers(0, len(items)))]

    # ----- companies
    def companies(self) -> None:
        stages = _stage_plan(self.n_companies)
        slugs: set[str] = set()
        for i, stage in enumerate(stages):
            name, industry, hq, mission, values = txt.COMPANY_PROFILES[i]
            slug = _slug(name.split()[0])
            assert slug not in slugs
            slugs.add(slug)
            lo, hi = _TEAM_SIZE[stage]
            team_size = int(self.rng.integers(lo, hi + 1))
            runway = int(self.rng.integers(9, 30))
            founded = self.as_of.year - 1 - stage - int(self.rng.integers(0, 2))
            company_id = self.ids("company", i)
            created = _at(self.as_of - timedelta(days=400), self.rng)
            team = self.team(company_id, i, team_size, stage)
            snapshot = {
                "company": {
                    "id": str(self.ids("startupos", i)),
                    "name": name,
                    "stage": STAGES[stage],
                    "funding_stage": FUNDING[STAGES[stage]],
                    "founded_year": founded,
                    "industry": industry,
                    "headquarters": hq,
                    "mission": mission,
                    "values_text": " ".join(txt.VALUE_SENTENCES[v] for v in values),
                    "total_raised_usd": int(
                        (0.4, 2.5, 12, 35)[stage] * 1e6 * self.rng.uniform(0.7, 1.5)
                    ),
                    "runway_months": runway,
                },
                "team": team,
                "metrics": self.metrics(stage, team_size),
                "values": list(values),
            }
            self.world.companies.append(
                {
                    "id": company_id,
                    "startupos_id": self.ids("startupos", i),
                    "name": name,
                    "slug": slug,
                    "stage": STAGES[stage],
                    "funding_stage": FUNDING[STAGES[stage]],
                    "runway_months": runway,
                    "team_size": team_size,
                    "created_at": created,
                    "snapshot": snapshot,
                    "_slug": slug,
                    "_stage": stage,
                }
            )

    def team(self, company_id: uuid.UUID, ci: int, size: int, stage: int) -> list[dict]:
        departments = (
            "Engineering",
            "Engineering",
            "Engineering",
            "Product",
            "Sales",
            "Marketing",
            "Operations",
            "Data",
        )
        titles = {
            "Engineering": ("Software Engineer", "Senior Software Engineer", "Staff Engineer"),
            "Product": ("Product Manager", "Product Designer"),
            "Sales": ("Account Executive", "Sales Development Rep"),
            "Marketing": ("Marketing Manager", "Content Lead"),
            "Operations": ("Operations Manager", "Finance & People Ops"),
            "Data": ("Data Analyst", "Data Scientist"),
        }
        members = []
        for j in range(size):
            if j == 0:
                title, dept, seniority = "Co-founder & CEO", "Leadership", "founder"
            elif j == 1:
                title, dept, seniority = "Co-founder & CTO", "Engineering", "founder"
            else:
                dept = self.choice(departments)
                title = self.choice(titles[dept])
                seniority = "senior" if "Senior" in title or "Staff" in title else "mid"
            tenure_days = int(self.rng.integers(60, 365 * (stage + 2)))
            members.append(
                {
                    "id": f"m-{ci}-{j:03d}",
                    "name": self.person(),
                    "title": title,
                    "department": dept,
                    "start_date": (self.as_of - timedelta(days=tenure_days)).isoformat(),
                    "seniority": seniority,
                }
            )
        members[0]["start_date"] = members[1]["start_date"] = (
            self.as_of - timedelta(days=365 * (stage + 1) + 200)
        ).isoformat()
        for m in members:
            self.employee(
                company_id,
                m["name"],
                m["title"],
                m["department"],
                date.fromisoformat(m["start_date"]),
                member_id=m["id"],
            )
        return members

    def metrics(self, stage: int, team_size: int) -> dict[str, list[dict]]:
        months = [
            (self.as_of.replace(day=1) - timedelta(days=30 * k)).strftime("%Y-%m")
            for k in range(11, -1, -1)
        ]
        growth = (0.12, 0.09, 0.06, 0.04)[stage]
        mrr_now = (2e3, 40e3, 250e3, 900e3)[stage] * self.rng.uniform(0.6, 1.4)
        start_heads = max(1, round(team_size / (1 + growth * 2.5)))
        release_rate = (14, 11, 8, 6)[stage]
        burn = (40e3, 150e3, 600e3, 1.5e6)[stage]
        series: dict[str, list[dict]] = {
            "headcount": [],
            "mrr_usd": [],
            "releases_per_month": [],
            "burn_usd": [],
        }
        for k, month in enumerate(months):
            frac = k / 11
            series["headcount"].append(
                {"month": month, "value": round(start_heads + (team_size - start_heads) * frac)}
            )
            series["mrr_usd"].append(
                {"month": month, "value": round(mrr_now / (1 + growth) ** (11 - k))}
            )
            series["releases_per_month"].append(
                {"month": month, "value": int(self.rng.poisson(release_rate))}
            )
            series["burn_usd"].append(
                {
                    "month": month,
                    "value": round(burn * (0.8 + 0.2 * frac) * self.rng.uniform(0.9, 1.1)),
                }
            )
        return series

    def employee(
        self,
        company_id: uuid.UUID,
        name: str,
        title: str | None,
        dept: str | None,
        start: date,
        member_id: str | None = None,
        hire_id: uuid.UUID | None = None,
        end: date | None = None,
    ) -> dict:
        row = {
            "id": self.ids("employee", len(self.world.employees)),
            "company_id": company_id,
            "startupos_member_id": member_id,
            "hire_id": hire_id,
            "full_name": name,
            "email": self.email(name, "example.org"),
            "title": title,
            "department": dept,
            "start_date": start,
            "end_date": end,
            "status": "left" if end is not None and end <= self.as_of else "active",
        }
        self.world.employees.append(row)
        return row

    def email(self, name: str, domain: str, taken: set[str] | None = None) -> str:
        base = name.lower().replace(". ", ".").replace(" ", ".")
        email = f"{base}@{domain}"
        k = 2
        while taken is not None and email in taken:
            email = f"{base}{k}@{domain}"
            k += 1
        if taken is not None:
            taken.add(email)
        return email

    # ----- users
    def users(self) -> None:
        for ci, company in enumerate(self.world.companies):
            roles = (
                ("admin", "founder", "talent_lead", "interviewer", "employee")
                if ci < 2
                else ("founder",)
            )
            staff = [e for e in self.world.employees if e["company_id"] == company["id"]]
            ceo = staff[0]
            for role in roles:
                short = {"talent_lead": "talent"}.get(role, role)
                employee_id = ceo["id"] if role == "founder" else None
                name = ceo["full_name"] if role == "founder" else self.person()
                self.world.users.append(
                    {
                        "id": self.ids("user", ci, role),
                        "company_id": company["id"],
                        "username": f"{short}.{company['_slug']}",
                        "email": self.email(name, "example.org"),
                        "full_name": name,
                        "role": role,
                        "employee_id": employee_id,
                    }
                )

    def link_employee_users(self) -> None:
        """Point each demo 'employee' user at a recent hire who has an onboarding plan."""
        planned = {p["hire_id"] for p in self.world.onboarding_plans}
        for user in self.world.users:
            if user["role"] != "employee":
                continue
            staff = [
                e
                for e in self.world.employees
                if e["company_id"] == user["company_id"] and e["status"] == "active"
            ]
            hired = [e for e in staff if e["hire_id"] in planned]
            pick = max(hired, key=lambda e: e["start_date"]) if hired else staff[-1]
            user["employee_id"] = pick["id"]
            user["full_name"] = pick["full_name"]
            user["email"] = pick["email"]

    # ----- roles
    def roles(self) -> None:
        for ci, company in enumerate(self.world.companies):
            templates = txt.ROLE_TEMPLATES[company["_stage"]]
            n_roles = min(len(templates), 4 + int(self.rng.integers(0, 3)))
            for ri, (title, family, level, priority) in enumerate(templates[:n_roles]):
                if ri == n_roles - 1 and ci == 0:
                    status = "draft"
                elif ri == n_roles - 1 and ci == min(1, self.n_companies - 1) and ci > 0:
                    status = "closed"
                elif ri == 1:
                    status = "filled"
                else:
                    status = "active"
                if self.n_companies == 1 and ri == n_roles - 2:
                    status = "closed"
                created_day = self.as_of - timedelta(days=int(self.rng.integers(200, 380)))
                if status == "draft":
                    created_day = self.as_of - timedelta(days=int(self.rng.integers(1, 10)))
                created = _at(created_day, self.rng)
                intelligence = self.intelligence(company, title, family, level)
                self.world.roles.append(
                    {
                        "id": self.ids("role", ci, ri),
                        "company_id": company["id"],
                        "title": title,
                        "department": txt.ROLE_FAMILIES[family][0],
                        "priority": priority,
                        "status": status,
                        "role_intelligence": intelligence,
                        "jd_text": self.job_description(company, title, intelligence),
                        "jd_generated_at": None
                        if status == "draft"
                        else created + timedelta(hours=2),
                        "created_at": created,
                        "_family": family,
                        "_level": level,
                    }
                )

    def intelligence(self, company: dict, title: str, family: str, level: int) -> dict:
        _, must_bank, extra_bank, noun = txt.ROLE_FAMILIES[family]
        order = self.rng.permutation(len(must_bank))
        n_must = 4 + int(self.rng.integers(0, 3))
        must = [must_bank[k] for k in order[:n_must]]
        nice = [must_bank[k] for k in order[n_must:]] + list(extra_bank[:2])
        thing = self.choice(txt.THINGS[family])
        stage_word = txt.STAGE_WORDS[company["_stage"]]
        mission = company["snapshot"]["company"]["mission"]
        mission = mission[0].lower() + mission[1:]
        return {
            "family": family,  # a role_library.json family, as generated intelligence names it
            "level": level,
            "seniority": txt.SENIORITY[level],
            "mission": f"Own {thing} at a {stage_word} company as we work to {mission}",
            "must_have_skills": must,
            "nice_to_have_skills": nice[:4],
            "outcomes": {
                "30": f"Ship a first improvement to {thing} and meet every team member.",
                "90": f"Own {thing} end to end, with a written plan for the next two quarters.",
                "365": f"Make {thing} something customers praise, and help hire your next "
                "teammate.",
            },
            "stage_traits": ["comfort with ambiguity", "bias for shipping"]
            if company["_stage"] <= 1
            else ["scales processes", "mentors others"],
            "compensation": _salary_band(level, company["_stage"]),
            "interview_focus": [
                "ownership",
                "technical depth"
                if family in ("backend", "frontend", "fullstack", "data", "hardware")
                else "craft",
                "stage fit",
            ],
            "_noun": noun,
        }

    def job_description(self, company: dict, title: str, intel: dict) -> str:
        snap = company["snapshot"]["company"]
        values = company["snapshot"]["values"]
        must = "\n".join(f"- {s}" for s in intel["must_have_skills"])
        nice = "\n".join(f"- {s}" for s in intel["nice_to_have_skills"])
        return (
            f"{title} at {company['name']}\n\n"
            f"{company['name']} is a {txt.STAGE_WORDS[company['_stage']]} {snap['industry']} "
            f"company based in {snap['headquarters']}. Our mission: {snap['mission']}\n\n"
            f"The role\n{intel['mission']}\n\n"
            f"In your first 30 days: {intel['outcomes']['30']}\n"
            f"By day 90: {intel['outcomes']['90']}\n"
            f"After a year: {intel['outcomes']['365']}\n\n"
            f"You bring\n{must}\n\nNice to have\n{nice}\n\n"
            f"How we work\n" + "\n".join(f"- {v}: {txt.VALUE_SENTENCES[v]}" for v in values)
        )

    # ----- candidates
    def candidates(self) -> None:
        companies = self.world.companies
        weights = np.array([1.0 + 0.25 * c["_stage"] for c in companies])
        counts = np.floor(weights / weights.sum() * self.n_candidates).astype(int)
        counts[0] += self.n_candidates - counts.sum()
        for ci, company in enumerate(companies):
            roles = [
                r
                for r in self.world.roles
                if r["company_id"] == company["id"] and r["status"] != "draft"
            ]
            n = int(counts[ci])
            role_idx = self.rng.integers(0, len(roles), n)
            levels = np.array([roles[k]["_level"] for k in role_idx])
            n_must = np.array(
                [len(roles[k]["role_intelligence"]["must_have_skills"]) for k in role_idx]
            )
            X = _sample_features(self.rng, np.full(n, company["_stage"]), levels, n_must)
            z = success_logit(X)
            # Recruiters see the fit only through a noisy process.
            progress = z + self.rng.normal(0, 1.0, n)
            progress = (progress - progress.mean()) / progress.std()
            taken: set[str] = set()
            start = len(self.world.candidates)
            for k in range(n):
                role = roles[role_idx[k]]
                feats = {f: float(X.iloc[k][f]) for f in FEATURES}
                self.candidate(company, role, feats, float(progress[k]), taken)
            self.ensure_every_status(self.world.candidates[start:])

    def candidate(
        self, company: dict, role: dict, feats: dict, progress: float, taken: set[str]
    ) -> None:
        name = self.person()
        # Open roles keep receiving applications, so recent ones are over-represented.
        recent = role["status"] == "active" and self.rng.random() < 0.45
        days_ago = int(self.rng.integers(0, 50) if recent else self.rng.integers(50, 360))
        created = _at(self.as_of - timedelta(days=days_ago), self.rng)
        reached, rejected = 0, False
        # Teams move at different speeds; a slow process keeps candidates waiting longer.
        slowness = self.rng.uniform(1.0, 3.0)
        elapsed = days_ago / slowness
        for stage in range(1, 5):
            if elapsed < _MIN_DAYS[stage]:
                break
            if self.rng.random() < expit(np.array(_PASS_OFFSET[stage - 1] + 1.0 * progress)):
                reached = stage
            else:
                rejected = True
                break
        status = "rejected" if rejected else _STATUS_ORDER[reached]
        taken_days = _MIN_DAYS[reached] * slowness + int(self.rng.integers(0, 6))
        updated = min(created + timedelta(days=taken_days), _at(self.as_of, self.rng))
        updated = max(updated, created)
        email = self.email(name, self.choice(("example.com", "example.net", "example.org")), taken)
        band = role["role_intelligence"]["compensation"]
        pay = None
        if self.pay_rng.random() < 0.7:  # three in ten applicants leave the field empty
            middle = (band["min"] + band["max"]) / 2
            pay = int(round(middle * self.pay_rng.lognormal(0.0, 0.2), -3))
        slug = name.lower().replace(". ", "-").replace(" ", "-")
        self.world.candidates.append(
            {
                "id": self.ids("candidate", len(self.world.candidates)),
                "company_id": company["id"],
                "role_id": role["id"],
                "email": email,
                "full_name": name,
                "resume_url": None,
                "resume_text": self.resume(name, email, role, company, feats),
                "linkedin_url": None
                if self.rng.random() < 0.15
                else f"https://www.linkedin.com/in/{slug}",
                "application_source": self.choice(
                    (
                        "careers_page",
                        "careers_page",
                        "linkedin",
                        "linkedin",
                        "referral",
                        "job_board",
                        "agency",
                    )
                ),
                "status": status,
                "fit_score": None,
                "fit_breakdown": None,
                "success_probability": None,
                "risk_indicators": None,
                "genome_profile": None,
                "expected_compensation": pay,
                "created_at": created,
                "updated_at": updated,
                "features": feats,
                "_reached": reached,
                "_progress": progress,
            }
        )

    def ensure_every_status(self, rows: list[dict]) -> None:
        """Small companies can miss a stage by chance; move the likeliest candidate into it."""
        for target in ("rejected", *_STATUS_ORDER):
            if any(r["status"] == target for r in rows):
                continue
            stage = _STATUS_ORDER.index(target) if target != "rejected" else 1
            pool = [
                r
                for r in rows
                if r["status"] in ("applied", "screening", "rejected")
                and (self.as_of - r["created_at"].date()).days >= _MIN_DAYS[stage]
                and sum(x["status"] == r["status"] for x in rows) > 1
            ]
            if not pool:
                continue
            pick = (min if target == "rejected" else max)(pool, key=lambda r: r["_progress"])
            pick["status"] = target
            pick["_reached"] = stage
            pick["updated_at"] = max(
                pick["created_at"],
                min(
                    pick["created_at"] + timedelta(days=_MIN_DAYS[stage]), _at(self.as_of, self.rng)
                ),
            )

    def resume(self, name: str, email: str, role: dict, company: dict, f: dict) -> str:
        intel = role["role_intelligence"]
        family = role["_family"]
        noun = intel["_noun"]
        years = f["years_experience"]
        must = intel["must_have_skills"]
        matched = must[: round(f["skills_match"] * len(must))]
        _, _, extra_bank, _ = txt.ROLE_FAMILIES[family]
        others = [str(s) for s in self.rng.choice(extra_bank, 2, replace=False)]
        skills = list(dict.fromkeys(matched + others + ["Git", "Written communication"]))
        # Experience: jobs of about avg tenure, newest first, with short stints and gaps.
        jobs: list[tuple[float, float]] = []
        remaining = years
        shorts = int(f["short_tenures"])
        while remaining > 0.2 and len(jobs) < 7:
            length = (
                0.6 if shorts > 0 else max(0.8, f["avg_tenure_years"] * self.rng.uniform(0.7, 1.3))
            )
            shorts -= 1
            length = min(length, remaining)
            jobs.append((remaining - length, remaining))
            remaining -= length
        lines = [name, f"{email}", "", "Summary"]
        level = min(3, int(np.digitize(years, (2.0, 5.0, 9.0))))
        recent = (
            f", most recently at a {txt.STAGE_WORDS[company['_stage']]} startup"
            if f["stage_experience"]
            else ""
        )
        lines.append(f"{txt.SENIORITY[level]} {noun} with {years:.0f} years of experience{recent}.")
        lines += ["", "Experience"]
        gap_years = f["employment_gap_months"] / 12
        end_year = self.as_of.year - (1 if gap_years >= 1 else 0)
        for j, (start, stop) in enumerate(jobs):
            tier = (
                company["_stage"]
                if (j == 0 and f["stage_experience"])
                else int(self.rng.integers(0, 5))
            )
            if j == 0 and not f["stage_experience"] and tier == company["_stage"]:
                tier = 4
            employer = self.choice(txt.EMPLOYERS[tier])
            kind = txt.STAGE_WORDS[tier] + " startup" if tier < 4 else "enterprise"
            y0 = round(end_year - (years - start))
            y1 = round(end_year - (years - stop))
            period = f"{y0}–{'Present' if j == 0 and gap_years < 0.5 else y1}"
            title_level = max(0, level - j)
            lines.append(
                f"{txt.SENIORITY[title_level]} {noun.title()} — {employer} ({kind}) · {period}"
            )
            thing = self.choice(txt.THINGS[family])
            if j == 0 and f["builder_signal"] > 0.5:
                lines.append("- " + self.choice(txt.BUILDER_BULLETS).format(thing=thing))
            if j == 0 and f["velocity_signal"] > 0.55:
                lines.append("- " + self.choice(txt.VELOCITY_BULLETS))
            lines.append(
                "- "
                + self.choice(txt.PLAIN_BULLETS).format(
                    thing=thing, n=int(self.rng.integers(2, 90)) * 100
                )
            )
        if f["employment_gap_months"] >= 6:
            lines.append(f"Career break · {f['employment_gap_months']:.0f} months")
        dept = txt.ROLE_FAMILIES[family][0]
        degree = self.choice(txt.DEGREES.get(dept, txt.DEGREES["Engineering"]))
        grad = round(end_year - years)
        lines += [
            "",
            "Skills",
            ", ".join(skills),
            "",
            "Education",
            f"{degree}, {self.choice(txt.UNIVERSITIES)} ({grad})",
        ]
        return "\n".join(lines)

    # ----- interviews, hires, onboarding
    def pipeline(self) -> None:
        interviewers: dict[uuid.UUID, list[uuid.UUID]] = {}
        for u in self.world.users:
            if u["role"] in ("interviewer", "talent_lead", "founder"):
                interviewers.setdefault(u["company_id"], []).append(u["id"])
        for cand in self.world.candidates:
            reached = cand["_reached"]
            if cand["status"] == "rejected" and reached < 2:
                continue
            if reached < 2 and cand["status"] != "rejected":
                continue
            kinds = (
                ("phone", "technical")
                if reached == 2
                else ("phone", "technical", "culture", "final")
            )
            if cand["status"] == "rejected":
                kinds = kinds[: 1 + int(self.rng.integers(0, len(kinds)))]
            self.interviews(cand, kinds, interviewers[cand["company_id"]])
            if cand["status"] in ("offer", "hired"):
                self.offer(cand)
            if cand["status"] == "hired":
                self.hire(cand)

    def interviews(self, cand: dict, kinds: tuple, people: list[uuid.UUID]) -> None:
        day = cand["created_at"] + timedelta(days=_MIN_DAYS[2] - 4)
        for kind in kinds:
            day += timedelta(days=int(self.rng.integers(2, 6)))
            scheduled = day.replace(minute=0, second=0, microsecond=0)
            done = (
                scheduled.date() <= self.as_of
                and cand["status"] != "interview"
                or scheduled.date() < self.as_of - timedelta(days=1)
            )
            score = int(np.clip(round(60 + 12 * cand["_progress"] + self.rng.normal(0, 8)), 0, 100))
            role = next(r for r in self.world.roles if r["id"] == cand["role_id"])
            thing = self.choice(txt.THINGS[role["_family"]])
            questions = [
                {"question": q.format(thing=thing), "competency": c}
                for q, c in txt.INTERVIEW_QUESTIONS[kind]
            ]
            feedback = None
            if done:
                rec = ("strong_no", "no", "yes", "strong_yes")[
                    int(np.digitize(score, (40, 60, 80)))
                ]
                feedback = {
                    "strengths": self.choice(txt.FEEDBACK_STRENGTHS),
                    "concerns": self.choice(txt.FEEDBACK_CONCERNS),
                    "recommendation": rec,
                    "ratings": {
                        q["competency"]: int(
                            np.clip(round(score / 20 + self.rng.normal(0, 0.5)), 1, 5)
                        )
                        for q in questions
                    },
                }
            interview_id = self.ids("interview", len(self.world.interviews))
            interviewer = self.choice(people)
            self.world.interviews.append(
                {
                    "id": interview_id,
                    "company_id": cand["company_id"],
                    "candidate_id": cand["id"],
                    "role_id": cand["role_id"],
                    "interview_type": kind,
                    "scheduled_at": scheduled,
                    "timezone": "UTC",
                    "duration_minutes": 45,
                    "status": "completed" if done else "scheduled",
                    "conducted_at": scheduled + timedelta(minutes=45) if done else None,
                    "interviewer_id": interviewer,
                    "questions": questions,
                    "feedback": feedback,
                    "score": score if done else None,
                    "created_at": scheduled - timedelta(days=3),
                }
            )
            self.world.interview_panelists.append(
                {
                    "id": self.ids("panelist", len(self.world.interview_panelists)),
                    "company_id": cand["company_id"],
                    "interview_id": interview_id,
                    "user_id": interviewer,
                    "created_at": scheduled - timedelta(days=3),
                }
            )
            if done:
                self.scorecard(cand, interview_id, interviewer, kind, score, feedback, scheduled)

    def scorecard(
        self,
        cand: dict,
        interview_id: uuid.UUID,
        interviewer: uuid.UUID,
        kind: str,
        score: int,
        feedback: dict,
        at: datetime,
    ) -> None:
        """The interviewer's scorecard: 1-4 ratings that follow the interview's score. Its
        own generator (seeded by the interview), so the rest of the world stays as it was."""
        rng = np.random.default_rng(interview_id.int % 2**32)
        dims = DEFAULT_DIMENSIONS[kind]
        ratings = {
            d: int(np.clip(round(1 + 3 * score / 100 + rng.normal(0, 0.4)), 1, 4)) for d in dims
        }
        self.world.interview_scorecards.append(
            {
                "id": self.ids("scorecard", len(self.world.interview_scorecards)),
                "company_id": cand["company_id"],
                "interview_id": interview_id,
                "interviewer_id": interviewer,
                "version": 1,
                "ratings": ratings,
                "evidence": {dims[0]: feedback["strengths"], dims[-1]: feedback["concerns"]},
                "recommendation": feedback["recommendation"],
                "created_at": at + timedelta(hours=2),
            }
        )

    def offer(self, cand: dict) -> None:
        """The offer a candidate at offer (or hired) got: inside the role's band."""
        rng = np.random.default_rng(cand["id"].int % 2**32)
        role = next(r for r in self.world.roles if r["id"] == cand["role_id"])
        band = role["role_intelligence"]["compensation"]
        salary = int(round(rng.uniform(band["min"], band["max"]) / 1000) * 1000)
        made = cand["updated_at"] - timedelta(days=int(rng.integers(3, 10)))
        self.world.offers.append(
            {
                "id": self.ids("offer", len(self.world.offers)),
                "company_id": cand["company_id"],
                "candidate_id": cand["id"],
                "role_id": cand["role_id"],
                "salary": min(max(salary, band["min"]), band["max"]),
                "currency": band.get("currency", "USD"),
                "start_date": cand["updated_at"].date() + timedelta(days=21),
                "band_exception": None,
                "made_by": "demo",
                "created_at": made,
            }
        )

    def hire(self, cand: dict) -> None:
        hired_at = cand["updated_at"]
        start = hired_at.date() + timedelta(days=int(self.rng.integers(14, 29)))
        p = float(success_probability(pd.DataFrame([cand["features"]]))[0])
        success = bool(self.rng.random() < p)
        outcome_kind = (
            "success" if success else ("neutral" if self.rng.random() < 0.25 else "failure")
        )
        end = None
        if outcome_kind == "failure":
            end = start + timedelta(days=int(self.rng.integers(30, 200)))
        days_in = (self.as_of - start).days
        known = days_in >= 90 or (end is not None and end <= self.as_of)
        left = end is not None and end <= self.as_of
        hire_id = self.ids("hire", len(self.world.hires))
        retention = None if days_in < 0 else ((end - start).days if left else days_in)
        role = next(r for r in self.world.roles if r["id"] == cand["role_id"])
        self.world.hires.append(
            {
                "id": hire_id,
                "candidate_id": cand["id"],
                "role_id": cand["role_id"],
                "company_id": cand["company_id"],
                "start_date": start,
                "predicted_fit_score": None,
                "actual_outcome": outcome_kind if known else None,
                "outcome_reason": self.choice(txt.OUTCOME_REASONS[outcome_kind]) if known else None,
                "retention_days": retention,
                "created_at": hired_at,
            }
        )
        if start <= self.as_of:
            self.employee(
                cand["company_id"],
                cand["full_name"],
                role["title"],
                role["department"],
                start,
                hire_id=hire_id,
                end=end if left else None,
            )
        self.onboarding(cand, hire_id, start, end if left else None, p)

    def onboarding(
        self, cand: dict, hire_id: uuid.UUID, start: date, end: date | None, p: float
    ) -> None:
        team = [
            e
            for e in self.world.employees
            if e["company_id"] == cand["company_id"] and e["startupos_member_id"]
        ]
        days_in = (self.as_of - start).days
        if end is not None and (end - start).days < 90:
            status, completed = "cancelled", None
        elif days_in >= 90:
            status = "completed"
            completed = _at(start + timedelta(days=90), self.rng)
        elif days_in >= 0:
            status, completed = "in_progress", None
        else:
            status, completed = "pending", None
        plan_id = self.ids("plan", len(self.world.onboarding_plans))
        self.world.onboarding_plans.append(
            {
                "id": plan_id,
                "hire_id": hire_id,
                "company_id": cand["company_id"],
                "plan_data": {
                    "goals": {k: list(v) for k, v in txt.ONBOARDING_GOALS.items()},
                    "buddy": self.choice(team)["full_name"],
                    "tools": [str(t) for t in self.rng.choice(txt.TOOLS, 4, replace=False)],
                },
                "status": status,
                "started_at": _at(start, self.rng) if days_in >= 0 else None,
                "completed_at": completed,
                "created_at": cand["updated_at"],
            }
        )
        for day in (7, 30, 60, 90):
            due = start + timedelta(days=day)
            done = due <= self.as_of and (end is None or end >= due)
            score = int(np.clip(round(45 + 45 * p + self.rng.normal(0, 8)), 0, 100))
            self.world.onboarding_checkpoints.append(
                {
                    "id": self.ids("checkpoint", plan_id, day),
                    "company_id": cand["company_id"],
                    "onboarding_plan_id": plan_id,
                    "checkpoint_day": day,
                    "due_date": due,
                    "alignment_score": score if done else None,
                    "feedback": {
                        "manager_note": "On track" if score >= 65 else "Needs support on priorities"
                    }
                    if done
                    else None,
                    "completed_at": _at(due, self.rng) if done else None,
                    "created_at": cand["updated_at"],
                }
            )

    # ----- culture pulse
    def pulse(self) -> None:
        demo_logins = {u["employee_id"] for u in self.world.users if u.get("employee_id")}
        add_pulses(self.world, self.ids, self.rng, self.as_of, demo_logins)

    def stage_events(self) -> None:
        """The moves that brought each candidate to their stage (no random draws)."""
        codes = ("skills", "experience", "stage_fit", "no_response", "withdrew")
        for i, cand in enumerate(self.world.candidates):
            reached, start = cand["_reached"], cand["created_at"]
            span = cand["updated_at"] - start
            steps = reached + (cand["status"] == "rejected")
            for k in range(1, steps + 1):
                rejected = k > reached
                self.world.candidate_stage_events.append(
                    {
                        "id": self.ids("stage", cand["id"], k),
                        "company_id": cand["company_id"],
                        "candidate_id": cand["id"],
                        "from_status": _STATUS_ORDER[k - 1 if not rejected else reached],
                        "to_status": "rejected" if rejected else _STATUS_ORDER[k],
                        "reason": "Not a fit this time" if rejected else "Moved forward",
                        "reason_code": codes[i % len(codes)] if rejected else None,
                        "actor": "demo",
                        "created_at": start + span * k / steps,
                    }
                )

    def finish(self) -> World:
        for rows in (self.world.companies, self.world.roles, self.world.candidates):
            for row in rows:
                for key in [k for k in row if k.startswith("_")]:
                    del row[key]
        for role in self.world.roles:
            role["role_intelligence"].pop("_noun", None)
        self.world.ground_truth.update(
            {
                "name": GROUND_TRUTH_NAME,
                "version": GROUND_TRUTH_VERSION,
                "features": list(FEATURES),
                "formula": FORMULA,
                "coefficients": dict(COEFFICIENTS),
                "noise": "Bernoulli draw of the outcome from p; no unobserved term",
                "bayes_auc": round(bayes_auc(seed=self.seed + 1000), 6),
                "base_rate": round(float(generate_history(50_000, self.seed + 1000)[1].mean()), 6),
            }
        )
        return self.world


def generate_world(
    n_companies: int = 3, n_candidates: int = 400, seed: int = 7, as_of: date | None = None
) -> World:
    """The demo world for ``seed`` as of ``as_of`` (required; no clock is read)."""
    if as_of is None:
        raise ValueError("as_of is required: the world's dates derive from it")
    if not 1 <= n_companies <= len(txt.COMPANY_PROFILES):
        raise ValueError(f"n_companies must be 1..{len(txt.COMPANY_PROFILES)}")
    if n_candidates < 10 * n_companies:
        raise ValueError("need at least 10 candidates per company")
    builder = _Builder(n_companies, n_candidates, seed, as_of)
    builder.companies()
    builder.users()
    builder.roles()
    builder.candidates()
    builder.pipeline()
    builder.stage_events()
    builder.link_employee_users()
    add_retention_history(builder)  # level, pay, last change; former employees
    builder.pulse()
    add_self_identification(builder.world)  # after the pipeline: it reads the stage
    return builder.finish()


def startupos_export(world: World) -> dict[str, Any]:
    """The world's companies as a StartupOS export file (docs/startupos.md)."""
    stamp = datetime.combine(world.as_of, time(), UTC).isoformat()
    companies = []
    for row in world.companies:
        snap = row["snapshot"]
        profile = dict(snap["company"])
        profile.update(values=list(snap["values"]), team_size=row["team_size"], updated_at=stamp)
        team = [
            {
                "id": m["id"],
                "name": m["name"],
                "title": m["title"],
                "department": m["department"],
                "start_date": m["start_date"],
                "end_date": None,
                "seniority": m["seniority"],
                "updated_at": datetime.combine(
                    date.fromisoformat(m["start_date"]), time(), UTC
                ).isoformat(),
            }
            for m in snap["team"]
        ]
        metrics = [
            {
                "metric": name,
                "month": point["month"],
                "value": point["value"],
                "updated_at": f"{point['month']}-01T00:00:00+00:00",
            }
            for name, series in snap["metrics"].items()
            for point in series
        ]
        companies.append({"company": profile, "team": team, "metrics": metrics})
    return {
        "format": "startupos-export",
        "version": 1,
        "exported_at": stamp,
        "companies": companies,
    }
