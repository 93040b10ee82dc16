"""Synthetic retention history with a known ground-truth leaving hazard.

Two uses, one hazard (:func:`monthly_hazard`):

- :func:`simulate_population`: many synthetic companies over several years, with teams whose
  latent morale drifts month to month and shows (noisily) in anonymous monthly pulse
  answers. The retention prior is trained on it and validated on its later months.
- :func:`add_retention_history`: the demo world's employees get a level, a salary around
  their role's band and a last change date, and each company gets former employees who left
  in the last two years, drawn from the same hazard (so accuracy measured on the demo rests
  on a real signal, not on noise).

Hidden ground truth (per month employed, ``t`` = tenure in years)::

    logit h = -4.75 + 0.6 [t < 1] + 0.35 min(years since last change, 4)
              - 1.4 (clip(pay position, -0.5, 1.5) - 0.5) - 0.15 level
              - 0.035 (onboarding alignment - 70)   (when the person had checkpoints)
              - 0.45 team morale                     (latent; the pulse shows it noisily)

No protected attribute or proxy enters it. Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from ml import synthetic_text as txt
from ml.retention import TrainedRetention, band_for, month_starts, snapshot_frame, train

GROUND_TRUTH = (
    "logit h = -4.75 + 0.6[tenure<1] + 0.35 min(years since change, 4) "
    "- 1.4(clip(pay position,-0.5,1.5)-0.5) - 0.15 level - 0.035(onboarding alignment-70) "
    "- 0.45 team morale; h = monthly probability of leaving"
)
DEPARTMENTS = (
    "Engineering",
    "Engineering",
    "Engineering",
    "Product",
    "Sales",
    "Data",
    "Operations",
)
_BASE_PAY = (85_000, 115_000, 150_000, 190_000)


def _clamp(value: float, low: float, high: float) -> float:
    # np.clip on one number costs microseconds; half a million answers made it seconds.
    return min(max(value, low), high)


def monthly_hazard(
    tenure_years: float,
    years_since_change: float,
    pay_position: float | None,
    level: int,
    onboarding_alignment: float | None,
    team_morale: float,
) -> float:
    """The true probability of leaving in the coming month."""
    z = -4.75 + 0.6 * (tenure_years < 1) + 0.35 * min(years_since_change, 4.0)
    if pay_position is not None:
        z -= 1.4 * (float(_clamp(pay_position, -0.5, 1.5)) - 0.5)
    z -= 0.15 * level
    if onboarding_alignment is not None:
        z -= 0.035 * (onboarding_alignment - 70.0)
    z -= 0.45 * team_morale
    return float(expit(z))


def _since(start: date, change: date | None, on: date) -> float:
    since = change if change is not None and start <= change <= on else start
    return (on - since).days / 365.25


def _leave_date(
    person: dict[str, Any],
    months: list[date],
    rng: np.random.Generator,
    morale: Callable[[date], float],
) -> date | None:
    """Walk the months from the start; the first month the hazard fires, a day in it."""
    start = person["start_date"]
    done = sorted(person.get("checkpoints") or ())
    for month in months:
        if month < start.replace(day=1):
            continue
        on = max(month, start)
        seen = [score for day, score in done if day <= on]
        h = monthly_hazard(
            (on - start).days / 365.25,
            _since(start, person.get("last_change_on"), on),
            person.get("pay_position"),
            int(person.get("level") or 0),
            float(seen[-1]) if seen else None,
            morale(month),
        )
        if rng.random() < h:
            return on + timedelta(days=int(rng.integers(1, 28)))
    return None


def _band(level: int) -> tuple[float, float]:
    middle = _BASE_PAY[level]
    return middle * 0.88, middle * 1.12


def _newcomer(rng: np.random.Generator, start: date, key: str, teams: list[str]) -> dict:
    """A synthetic employee starting on ``start`` (features drawn, no leave yet)."""
    level = int(rng.choice(4, p=(0.3, 0.35, 0.25, 0.1)))
    band = _band(level)
    position = float(_clamp(rng.normal(0.45, 0.35), -0.5, 1.5))
    checkpoints: list[tuple[date, float]] = []
    if rng.random() < 0.6:  # hired through PeopleOS: onboarding checkpoints
        score = float(_clamp(rng.normal(70, 13), 0, 100))
        for day in (30, 60, 90):
            score = float(_clamp(score + rng.normal(0, 5), 0, 100))
            checkpoints.append((start + timedelta(days=day), round(score)))
    change = None
    if rng.random() < 0.55:
        change = start + timedelta(days=int(rng.integers(150, 1100)))
    return {
        "key": key,
        "start_date": start,
        "end_date": None,
        "department": str(rng.choice(teams)),
        "level": level,
        "band": band,
        "pay_position": position,
        "salary": round(band[0] + position * (band[1] - band[0]), -2),
        "last_change_on": change,
        "checkpoints": tuple(checkpoints),
    }


def simulate_population(
    n_companies: int = 80, months: int = 48, seed: int = 0, as_of: date = date(2026, 11, 1)
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """People (``key``, ``start_date``, ``end_date``, ``department``, ``level``, ``salary``,
    ``band``, ``last_change_on``, ``checkpoints``) and anonymous monthly pulse answers
    (``id``, ``team``, ``on``, ``alignment``, ``enps``, ``manager``; ``team`` is prefixed
    with the company) over ``months`` months up to ``as_of``."""
    rng = np.random.default_rng([seed, 41])
    first = (as_of - timedelta(days=30 * months)).replace(day=1)
    calendar = month_starts(first, as_of)
    people: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    index = {m: k for k, m in enumerate(calendar)}
    for ci in range(n_companies):
        size = int(rng.integers(8, 70))
        teams = sorted({str(d) for d in rng.choice(DEPARTMENTS, size=max(2, size // 8))})
        morale = {t: [0.0] for t in teams}
        for t in teams:
            level0 = float(rng.normal(0, 0.8))
            morale[t] = [level0]
            for _ in calendar[1:]:
                morale[t].append(0.85 * morale[t][-1] + float(rng.normal(0, 0.45)))
        company_people: list[dict[str, Any]] = []

        for _ in range(size):
            start = first - timedelta(days=int(rng.integers(0, 365 * 5)))
            company_people.append(_newcomer(rng, start, f"c{ci}-p{len(company_people)}", teams))
        # Hires through the period keep the company growing a little and replace leavers.
        for month in calendar[1:]:
            for _ in range(int(rng.poisson(size * 0.025))):
                start = month + timedelta(days=int(rng.integers(0, 28)))
                key = f"c{ci}-p{len(company_people)}"
                company_people.append(_newcomer(rng, start, key, teams))
        for person in company_people:
            team = person["department"]
            person["company"] = ci
            person["end_date"] = _leave_date(
                person,
                calendar,
                rng,
                lambda m, path=morale[team]: path[index[m.replace(day=1)]],
            )
            if person["end_date"] is not None and person["end_date"] > as_of:
                person["end_date"] = None
            person["department"] = f"{ci}:{team}"
        people.extend(company_people)
        for month in calendar:
            k = index[month]
            for person in company_people:
                start, end = person["start_date"], person["end_date"]
                if start > month or (end is not None and end <= month):
                    continue
                if rng.random() > 0.75:
                    continue
                m = morale[person["department"].split(":", 1)[1]][k]
                sink = 0.0
                if end is not None and (end - month).days < 120:
                    sink = 1.0  # answers sink in the months before a leave
                answers.append(
                    {
                        "id": f"{person['department']}:{month}:{len(answers)}",
                        "company": ci,
                        "team": person["department"],
                        "on": month,
                        "alignment": float(_clamp(rng.normal(70 + 8 * m - 12 * sink, 12), 0, 100)),
                        "enps": int(_clamp(round(rng.normal(7 + 1.2 * m - 2 * sink, 2)), 0, 10)),
                        "manager": int(_clamp(round(rng.normal(3.8 + 0.4 * m, 0.8)), 1, 5)),
                    }
                )
    return people, answers


def population_frame(
    n_companies: int = 80,
    months: int = 48,
    seed: int = 0,
    as_of: date = date(2026, 11, 1),
    min_group: int = 5,
) -> pd.DataFrame:
    """Monthly snapshots of the simulated population (each company's pulse apart)."""
    people, answers = simulate_population(n_companies, months, seed, as_of)
    dates = month_starts((as_of - timedelta(days=30 * months)).replace(day=1), as_of)
    frames = []
    for ci in range(n_companies):
        frames.append(
            snapshot_frame(
                [p for p in people if p["company"] == ci],
                [a for a in answers if a["company"] == ci],
                dates,
                as_of,
                min_group=min_group,
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- demo world


def _level_of(title: str | None) -> int | None:
    """A level read from a title (founders, staff and heads are staff+), else None."""
    text = (title or "").lower()
    if any(word in text for word in ("founder", "staff", "head of")):
        return 3
    if any(word in text for word in ("senior", "lead", "manager")):
        return 2
    return None


def add_retention_history(builder: Any) -> None:
    """Give every demo employee a level, salary and last change, and add former employees.

    ``builder`` is :class:`ml.synthetic._Builder` (its world, ids, ``employee`` and names).
    Draws come from their own random stream, so every other row stays as it was.
    """
    world, as_of = builder.world, builder.as_of
    rng = np.random.default_rng([builder.seed, 14])
    roles = [
        {
            "id": r["id"],
            "company_id": r["company_id"],
            "title": r["title"],
            "department": r["department"],
            "level": r["role_intelligence"].get("level"),
            "min": r["role_intelligence"]["compensation"]["min"],
            "max": r["role_intelligence"]["compensation"]["max"],
        }
        for r in world.roles
        if isinstance((r.get("role_intelligence") or {}).get("compensation"), dict)
    ]
    hire_role = {h["id"]: h["role_id"] for h in world.hires}
    offers = {(o["candidate_id"], o["role_id"]): o["salary"] for o in world.offers}
    hire_offer = {h["id"]: offers.get((h["candidate_id"], h["role_id"])) for h in world.hires}
    checkpoints: dict[Any, list[tuple[date, float]]] = {}
    plan_hire = {p["id"]: p["hire_id"] for p in world.onboarding_plans}
    for c in world.onboarding_checkpoints:
        if c["alignment_score"] is not None and c["completed_at"] is not None:
            checkpoints.setdefault(plan_hire[c["onboarding_plan_id"]], []).append(
                (c["completed_at"].date(), float(c["alignment_score"]))
            )

    def fill(emp: dict[str, Any]) -> None:
        company_roles = [r for r in roles if r["company_id"] == emp["company_id"]]
        role_id = hire_role.get(emp["hire_id"]) if emp["hire_id"] else None
        level = next((r["level"] for r in company_roles if r["id"] == role_id), None)
        if level is None:
            level = _level_of(emp["title"])
        if level is None:
            level = int(rng.choice(2, p=(0.4, 0.6)))
        emp["level"] = int(level)
        person = {**emp, "role_id": role_id}
        band = band_for(person, company_roles) or _band(emp["level"])
        offered = hire_offer.get(emp["hire_id"]) if emp["hire_id"] else None
        if offered:
            emp["salary"] = int(offered)
        else:
            position = float(_clamp(rng.normal(0.45, 0.35), -0.5, 1.5))
            emp["salary"] = int(round(band[0] + position * (band[1] - band[0]), -3))
        tenure = (as_of - emp["start_date"]).days
        emp["last_change_on"] = None
        if tenure > 200 and rng.random() < 0.6:
            latest = (emp["end_date"] or as_of) - emp["start_date"]
            emp["last_change_on"] = emp["start_date"] + timedelta(
                days=int(rng.integers(150, max(151, latest.days)))
            )

    for emp in list(world.employees):
        fill(emp)

    # Former employees: drawn like newcomers of the last four years, kept when the hazard
    # made them leave in the last two years (the others would still be here or left long ago).
    calendar = month_starts(as_of - timedelta(days=4 * 365), as_of)
    window = as_of - timedelta(days=2 * 365)
    for company in world.companies:
        staff = [e for e in world.employees if e["company_id"] == company["id"]]
        teams = sorted({e["department"] for e in staff if e["department"] != "Leadership"})
        target = max(3, round(0.36 * len(staff)))
        company_roles = [r for r in roles if r["company_id"] == company["id"]]
        kept, tries = 0, 0
        while kept < target and tries < 200 * target:
            tries += 1
            start = calendar[0] + timedelta(days=int(rng.integers(0, 4 * 365 - 60)))
            dept = str(rng.choice(teams))
            level = int(rng.choice(4, p=(0.3, 0.35, 0.25, 0.1)))
            band = band_for({"department": dept, "level": level}, company_roles) or _band(level)
            position = float(_clamp(rng.normal(0.45, 0.35), -0.5, 1.5))
            change = None
            if rng.random() < 0.55:
                change = start + timedelta(days=int(rng.integers(150, 1100)))
            person = {
                "start_date": start,
                "level": level,
                "pay_position": position,
                "last_change_on": change,
            }
            end = _leave_date(person, calendar, rng, lambda _m: 0.0)
            if end is None or not window <= end <= as_of - timedelta(days=1):
                continue
            if change is not None and change >= end:
                change = None
            kept += 1
            name = _unique_name(builder, rng)
            title = next(
                (r["title"] for r in company_roles if r["department"] == dept),
                f"{txt.SENIORITY[level]} {dept} specialist",
            )
            row = builder.employee(company["id"], name, title, dept, start, end=end)
            row["level"] = level
            row["salary"] = int(round(band[0] + position * (band[1] - band[0]), -3))
            row["last_change_on"] = change


def _unique_name(builder: Any, rng: np.random.Generator) -> str:
    """A former employee's name nobody in the world has: first and last name, then (once a
    large world has used those up) with a middle initial, as ``_Builder.person`` does."""
    for _ in range(1000):
        name = f"{rng.choice(txt.FIRST_NAMES)} {rng.choice(txt.LAST_NAMES)}"
        if name not in builder.used_names:
            builder.used_names.add(name)
            return name
    for _ in range(1000):
        initial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(rng.integers(0, 26))]
        name = f"{rng.choice(txt.FIRST_NAMES)} {initial}. {rng.choice(txt.LAST_NAMES)}"
        if name not in builder.used_names:
            builder.used_names.add(name)
            return name
    raise RuntimeError("name bank exhausted")


PRIOR_VERSION = "retention-prior-1"
PRIOR_SEED = 2026


def train_prior(seed: int = PRIOR_SEED) -> TrainedRetention:
    """The retention prior: trained and time-validated on the synthetic population."""
    frame = population_frame(seed=seed)
    trained = train(
        frame,
        PRIOR_VERSION,
        "a synthetic population of 80 companies over 48 months with a known leaving hazard",
        seed,
    )
    trained.metrics["ground_truth"] = GROUND_TRUTH
    return trained
