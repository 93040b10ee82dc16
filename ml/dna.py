"""Company DNA scanner: a StartupOS snapshot becomes a profile the people chain is scored on.

Culture comes from text through the MiniLM embedder. Every statement the company makes (each
stated value, each sentence of its mission and values text) is compared with anchor phrasings
of eight named dimensions and counts for the one dimension it expresses most clearly, or for
none; a dimension's 0-100 score and its evidence come only from the statements counted for it.
Velocity, team gaps and hiring priorities come from transparent rules on metrics, the team,
people hired through PeopleOS and open roles. The same inputs always give the same profile.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

SCANNER_VERSION = "dna-2.0"
STAGE_LABELS = {
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "growth": "Growth",
}
STAGE_ORDER = tuple(STAGE_LABELS)

# Key -> (name, description). ml.fit compares resumes with these descriptions.
CULTURE_DIMENSIONS: dict[str, tuple[str, str]] = {
    "ownership": ("Ownership", "People own outcomes end to end and take initiative."),
    "shipping_speed": ("Shipping speed", "We ship small changes quickly and often, with urgency."),
    "customer_focus": ("Customer focus", "Customers come first; we talk to users all the time."),
    "rigour": ("Rigour", "Decisions rest on evidence and careful reasoning; quality matters."),
    "candour": ("Candour", "People give direct, honest feedback and share information openly."),
    "collaboration": ("Collaboration", "We work closely together with low ego and shared credit."),
    "frugality": ("Frugality", "We spend carefully and do more with less money."),
    "long_term": ("Long-term thinking", "We think long term about our mission and lasting impact."),
}
# Other ways companies say the same thing. One description per dimension misses short value
# names ("Candour" is far from its own description in MiniLM space) and common synonyms, so a
# statement is compared with the name, the description and these, and the closest one counts.
_CULTURE_PHRASES: dict[str, tuple[str, ...]] = {
    "ownership": (
        "Act like an owner.",
        "If you pick up a problem, you own it until it is solved.",
        "Take initiative without waiting to be asked.",
        "Own the result, not just the task.",
    ),
    "shipping_speed": (
        "Speed",
        "Move fast.",
        "Bias for action.",
        "Release early and iterate quickly.",
        "We move with urgency; a quick decision beats a slow perfect one.",
    ),
    "customer_focus": (
        "Customer obsession",
        "Customers first.",
        "Users first.",
        "Everything starts from the needs of the people we serve.",
        "We build what our users need and delight them.",
        "We care about the experience of the people who use our product.",
    ),
    "rigour": (
        "Rigor",
        "Craft and attention to detail.",
        "High standards of quality and correctness.",
        "We measure and test before we claim anything.",
        "Evidence over opinion.",
        "Safety comes before deadlines.",
        "We never ship anything unsafe or broken.",
        "Curiosity: we ask why until we understand the problem deeply.",
        "Get the numbers right.",
        "Reason from first principles.",
    ),
    "candour": (
        "Candor",
        "Transparency",
        "Honesty",
        "We say hard things directly and early.",
        "Information, plans and mistakes are shared openly with everyone.",
        "Default to openness.",
        "Write things down and share them openly.",
    ),
    "collaboration": (
        "Teamwork",
        "Low ego",
        "Build together as one team.",
        "Good ideas can come from anyone, and credit is shared.",
        "We are kind to each other and help each other.",
        "Teams across functions plan and work together.",
    ),
    "frugality": (
        "Spend every dollar as if it were our own.",
        "Do more with less.",
    ),
    "long_term": (
        "Think in years and decades, not quarters.",
        "Make choices that will still be right years from now.",
        "Mission first.",
        "Build something that lasts for decades.",
    ),
}
# Cosine similarity of MiniLM sentences: about 0.1 for unrelated text, 0.6+ for paraphrases.
# A counted sentence's strength is its similarity scaled from the floor (0) to the ceiling (1).
_COS_FLOOR, _COS_CEIL = 0.15, 0.65
# A statement counts only when it clearly expresses a dimension...
_EVIDENCE_MIN = 0.35
# ...a mission sentence only when unmistakably: it says what the company does, and MiniLM
# matches its topic words ("every engineering team") to culture ("Collaboration") at ~0.4.
_MISSION_MIN = 0.5
# ...and a sentence only when it is clearly closer to one dimension than to any other: MiniLM
# reads "Nothing ships that could hurt a person" as about shipping as much as about safety.
_AMBIGUOUS_MARGIN = 0.03

CULTURE_FORMULA = (
    "Each stated value and each sentence of the mission and values counts for the one "
    "dimension it expresses most clearly, or for none. Score = 100 × the mean strength of a "
    "dimension's two strongest statements (a missing one counts 0): a stated value counts 1, "
    f"a sentence its MiniLM similarity scaled from {_COS_FLOOR} (0) to {_COS_CEIL} (1)."
)


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    score: int
    evidence: list[str]  # the company's own sentences counted for this dimension, verbatim
    stated_values: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Statement:
    """One thing the company says, and the dimension it was counted for (or why none)."""

    text: str
    source: str  # "value", "mission" or "values_text"
    dimension: str | None  # the dimension key it counts for
    similarity: float  # to its closest dimension
    closest: str  # that dimension's key, counted or not
    note: str  # why it counts for that dimension or for none


@dataclass(frozen=True)
class Priority:
    title: str
    department: str
    priority: str
    reason: str


@dataclass(frozen=True)
class Seat:
    """A person (or an open role) as far as team composition goes."""

    title: str | None
    department: str | None
    name: str | None = None
    startupos_member_id: str | None = None
    hired: bool = False  # came in through a PeopleOS hire


@dataclass(frozen=True)
class Staffing:
    """What PeopleOS knows about the team besides the StartupOS snapshot."""

    employees: tuple[Seat, ...] = ()  # active employees (StartupOS mirrors and hires alike)
    pending_hires: tuple[Seat, ...] = ()  # hired through PeopleOS, not on the team yet
    open_roles: tuple[Seat, ...] = ()  # roles being hired for now


@dataclass(frozen=True)
class Coverage:
    """How many people one function has, is about to have and is hiring for."""

    function: str
    label: str
    team: int  # on the team now
    hired: int  # of them, hired through PeopleOS
    pending: int  # hired through PeopleOS, yet to start
    open_roles: int

    @property
    def total(self) -> int:
        return self.team + self.pending + self.open_roles


@dataclass(frozen=True)
class Gap:
    function: str  # a key of FUNCTIONS
    name: str
    counted: str  # what was counted, e.g. "0 designers on the team, none hired, no open role"
    priority: Priority
    recommendation: str


@dataclass(frozen=True)
class TeamPicture:
    size: int  # people on the team now
    from_startupos: int
    from_peopleos: int  # on the team through PeopleOS only (hires not in the StartupOS list)
    pending_hires: int
    open_roles: int
    coverage: list[Coverage]
    gaps: list[Gap]
    department_mix: dict[str, int]
    note: str | None = None  # why no gaps could be looked for, when so

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DNAProfile:
    scanner_version: str
    stage: str
    stage_label: str
    runway_months: int | None
    team_size: int
    velocity: dict[str, Any]
    culture: list[Dimension]
    team_gaps: list[str]
    hiring_priorities: list[Priority]
    recommendations: list[str]
    department_mix: dict[str, int] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    team: dict[str, Any] = field(default_factory=dict)
    culture_formula: str = CULTURE_FORMULA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------- culture


def _split(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if len(s.strip()) > 3]


def _statements(company: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, source) of every distinct statement: stated values first, then sentences."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    candidates = [(str(v).strip(), "value") for v in company.get("values") or []]
    candidates += [(s, "mission") for s in _split(company.get("mission") or "")]
    candidates += [(s, "values_text") for s in _split(company.get("values_text") or "")]
    for text, source in candidates:
        folded = text.casefold().rstrip(".!")
        if text and folded not in seen:
            seen.add(folded)
            found.append((text, source))
    return found


_PHRASINGS = [
    (j, phrase)
    for j, (key, (name, description)) in enumerate(CULTURE_DIMENSIONS.items())
    for phrase in (name, description, *_CULTURE_PHRASES.get(key, ()))
]


@lru_cache(maxsize=4)
def _phrasing_vectors(encoder: TextEncoder) -> np.ndarray:
    # The same ~60 phrasings every scan: encode them once per encoder.
    return encoder.encode([phrase for _, phrase in _PHRASINGS])


def _dimension_similarity(texts: list[str], encoder: TextEncoder) -> np.ndarray:
    """texts x dimensions: each text's similarity to the closest phrasing of each dimension."""
    similarity = encoder.encode(texts) @ _phrasing_vectors(encoder).T
    owner = np.array([j for j, _ in _PHRASINGS])
    return np.stack(
        [similarity[:, owner == j].max(axis=1) for j in range(len(CULTURE_DIMENSIONS))], axis=1
    )


def _strength(similarity: float) -> float:
    return min(max((similarity - _COS_FLOOR) / (_COS_CEIL - _COS_FLOOR), 0.0), 1.0)


def _read_statements(company: dict[str, Any], encoder: TextEncoder) -> list[Statement]:
    """Each statement counted for the one dimension it expresses most clearly, or for none."""
    statements = _statements(company)
    if not statements:
        return []
    keys = list(CULTURE_DIMENSIONS)
    names = {k: name for k, (name, _) in CULTURE_DIMENSIONS.items()}
    similarity = _dimension_similarity([t for t, _ in statements], encoder)
    read: list[Statement] = []
    for i, (text, source) in enumerate(statements):
        order = np.argsort(-similarity[i], kind="stable")
        best, runner = keys[order[0]], keys[order[1]]
        top, second = float(similarity[i, order[0]]), float(similarity[i, order[1]])
        dimension: str | None = None
        needed = _MISSION_MIN if source == "mission" else _EVIDENCE_MIN
        if top < needed:
            note = f"Closest to {names[best]} ({top:.2f}), below the {needed:.2f} needed to count."
        elif source != "value" and top - second < _AMBIGUOUS_MARGIN:
            note = (
                f"Matches {names[best]} ({top:.2f}) and {names[runner]} ({second:.2f}) about "
                "equally, so it counts for neither."
            )
        else:
            dimension = best
            note = f"Counts for {names[best]} ({top:.2f}; next closest {names[runner]}, "
            note += f"{second:.2f})."
        read.append(Statement(text, source, dimension, round(top, 3), best, note))
    return read


def _culture(statements: list[Statement]) -> list[Dimension]:
    """Score = 100 x mean strength of a dimension's two strongest counted statements.

    A stated value counts at full strength (the company says it outright); a sentence at its
    scaled similarity. A missing second statement counts as zero, so one sentence alone can
    give at most 50, and a dimension nothing counts for scores 0 with no evidence.
    """
    dimensions = []
    for key, (name, _) in CULTURE_DIMENSIONS.items():
        mine = [s for s in statements if s.dimension == key]
        strengths = sorted(
            (1.0 if s.source == "value" else _strength(s.similarity) for s in mine), reverse=True
        )
        top_two = (strengths + [0.0, 0.0])[:2]
        score = round(100 * sum(top_two) / 2)
        sentences = sorted(
            (s for s in mine if s.source != "value"), key=lambda s: (-s.similarity, s.text)
        )
        dimensions.append(
            Dimension(
                key,
                name,
                int(score),
                [s.text for s in sentences],
                [s.text for s in mine if s.source == "value"],
            )
        )
    return dimensions


# ---------------------------------------------------------------------------- velocity

# (metric, label, full marks at, full marks in words, weight): how each metric enters the score.
VELOCITY_INPUTS: tuple[tuple[str, str, float, str, float], ...] = (
    ("releases_per_month", "Releases per month", 15.0, "15 releases a month", 0.4),
    ("headcount", "Headcount growth", 1.0, "+100% over the period", 0.3),
    ("mrr_usd", "MRR growth per month", 0.15, "+15% a month", 0.3),
)
VELOCITY_LABELS = ((35, "steady"), (65, "fast"), (101, "hypergrowth"))


def _series(metrics: list[dict[str, Any]], name: str) -> list[tuple[str, float]]:
    points = sorted((p for p in metrics if p["metric"] == name), key=lambda p: p["month"])
    return [(str(p["month"]), float(p["value"])) for p in points]


def _months_between(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")[:2]), map(int, last.split("-")[:2]))
    return (y2 - y1) * 12 + (m2 - m1)


def _velocity_input(metric: str, series: list[tuple[str, float]]) -> dict[str, Any] | None:
    """One input's measured value, in words and numbers, or None when the data is too thin."""
    if metric == "releases_per_month" and series:
        recent = series[-3:]
        value = float(np.mean([v for _, v in recent]))
        return {
            "value": round(value, 2),
            "shown": f"{value:.1f} releases a month (mean of {len(recent)} months)",
            "period": (recent[0][0], recent[-1][0]),
        }
    if metric == "headcount" and len(series) >= 2 and series[0][1] > 0:
        (first, start), (last, end) = series[0], series[-1]
        growth = end / start - 1
        months = _months_between(first, last)
        return {
            "value": round(growth, 4),
            "shown": f"{start:.0f} → {end:.0f} people ({100 * growth:+.1f}% in {months} months)",
            "period": (first, last),
        }
    if metric == "mrr_usd" and len(series) >= 2 and series[0][1] > 0:
        window = [p for p in series[-7:] if p[1] > 0]
        if len(window) < 2:
            return None
        (first, start), (last, end) = window[0], window[-1]
        months = max(_months_between(first, last), 1)
        monthly = (end / start) ** (1 / months) - 1
        return {
            "value": round(monthly, 4),
            "shown": (
                f"{start:,.0f} → {end:,.0f} USD ({100 * monthly:+.1f}% a month, compounded "
                f"over {months} months)"
            ),
            "period": (first, last),
        }
    return None


def _velocity(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """Score = 100 x sum(weight x min(value / full marks, 1)) / sum of the weights present.

    Negative growth counts as zero. Inputs without data leave the score and its weights, so
    the score is always out of 100 over the inputs that exist.
    """
    inputs: list[dict[str, Any]] = []
    for metric, label, full, full_shown, weight in VELOCITY_INPUTS:
        measured = _velocity_input(metric, _series(metrics, metric))
        if measured is None:
            continue
        attainment = min(max(measured["value"] / full, 0.0), 1.0)
        inputs.append(
            {
                "metric": metric,
                "label": label,
                **measured,
                "period": list(measured["period"]),
                "full_marks": full,
                "full_marks_shown": full_shown,
                "attainment": round(attainment, 4),
                "weight": weight,
            }
        )
    if not inputs:
        return {
            "score": None,
            "label": "unknown",
            "evidence": ["No releases, headcount or MRR metrics yet."],
            "inputs": [],
            "formula": "",
        }
    total_weight = sum(i["weight"] for i in inputs)
    for item in inputs:
        item["points"] = round(100 * item["weight"] * item["attainment"] / total_weight, 1)
    score = round(100 * sum(i["weight"] * i["attainment"] for i in inputs) / total_weight)
    label = next(name for bound, name in VELOCITY_LABELS if score < bound)
    formula = (
        "Score = 100 × Σ weight × min(value ÷ full marks, 1) ÷ "
        f"{total_weight:.1f} (the weights of the {len(inputs)} inputs with data); "
        "under 35 is steady, under 65 fast, 65 or more hypergrowth."
    )
    evidence = [
        f"{i['label']}: {i['shown']}, {i['period'][0]} to {i['period'][1]}." for i in inputs
    ]
    return {
        "score": int(score),
        "label": label,
        "evidence": evidence,
        "inputs": inputs,
        "formula": formula,
    }


# ---------------------------------------------------------------------------- team

# key -> (label, one, many): the functions a team is counted by.
FUNCTIONS: dict[str, tuple[str, str, str]] = {
    "engineering": ("Engineering", "engineer", "engineers"),
    "design": ("Product design", "designer", "designers"),
    "product": ("Product management", "product manager", "product managers"),
    "data": ("Data", "data specialist", "data specialists"),
    "sales": ("Sales", "salesperson", "salespeople"),
    "marketing": ("Marketing", "marketer", "marketers"),
    "people": ("People operations", "people-ops specialist", "people-ops specialists"),
    "operations": ("Operations", "operations specialist", "operations specialists"),
    "leadership": ("Leadership", "leader", "leaders"),
    "other": ("Other", "other person", "other people"),
}
# Titles first (most specific first), then the department: "Finance & People Ops" sits in
# Operations but runs people operations, "Product Designer" sits in Product but designs.
_TITLE_WORDS: tuple[tuple[str, str], ...] = (
    ("people", r"\bpeople\b|\btalent\b|\brecruit|\bhr\b|human resources"),
    ("design", r"design|\bux\b|\bui\b"),
    ("data", r"\bdata\b|machine learning|\bml\b|analyst|analytics"),
    ("sales", r"account executive|\bsales\b|business development|account manager"),
    ("engineering", r"engineer|developer|\bcto\b|architect|devops|\bsre\b"),
    ("marketing", r"marketing|marketer|\bcontent\b|\bgrowth\b"),
    ("product", r"product manager|product owner|head of product"),
    ("leadership", r"\bceo\b|founder|\bchief\b"),
)
_DEPARTMENTS = {
    "engineering": "engineering",
    "design": "design",
    "product": "product",
    "data": "data",
    "sales": "sales",
    "marketing": "marketing",
    "people": "people",
    "operations": "operations",
    "leadership": "leadership",
}


def function_of(title: str | None, department: str | None) -> str:
    """The function a title (or, failing that, a department) belongs to."""
    lowered = (title or "").lower()
    for function, pattern in _TITLE_WORDS:
        if re.search(pattern, lowered):
            return function
    return _DEPARTMENTS.get((department or "").strip().lower(), "other")


def _name_key(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


def _people(team: list[dict[str, Any]], staffing: Staffing, as_of: date) -> tuple[list[Seat], int]:
    """Everyone on the team now, once each, and how many came from the StartupOS list.

    StartupOS members who have not left count first. Active employees count too unless they
    mirror a StartupOS member (same member id) or a StartupOS member of the same name: a
    person hired through PeopleOS and later added to StartupOS is one person, not two.
    """
    people: list[Seat] = []
    ids: set[str] = set()
    names: set[str] = set()
    for member in team:
        end = member.get("end_date")
        if end and date.fromisoformat(end) <= as_of:
            continue
        people.append(
            Seat(member.get("title"), member.get("department"), member.get("name"), member["id"])
        )
        ids.add(str(member["id"]))
        names.add(_name_key(member.get("name")))
    from_startupos = len(people)
    for employee in staffing.employees:
        if employee.startupos_member_id and employee.startupos_member_id in ids:
            continue
        if employee.name and _name_key(employee.name) in names:
            continue
        people.append(employee)
    return people, from_startupos


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def counted_text(c: Coverage) -> str:
    """What was counted for a function, in words."""
    _, one, many = FUNCTIONS[c.function]
    hired = c.hired + c.pending
    if hired == 0:
        hired_text = "none hired"
    else:
        hired_text = f"{hired} hired through PeopleOS"
        if c.pending:
            hired_text += f" ({c.pending} yet to start)"
    roles = "no open role" if c.open_roles == 0 else _count(c.open_roles, "open role", "open roles")
    return f"{_count(c.team, one, many)} on the team, {hired_text}, {roles}"


def _coverage(people: list[Seat], staffing: Staffing) -> dict[str, Coverage]:
    counts = {f: [0, 0, 0, 0] for f in FUNCTIONS}
    for seat in people:
        row = counts[function_of(seat.title, seat.department)]
        row[0] += 1
        row[1] += seat.hired
    for seat in staffing.pending_hires:
        counts[function_of(seat.title, seat.department)][2] += 1
    for seat in staffing.open_roles:
        counts[function_of(seat.title, seat.department)][3] += 1
    return {f: Coverage(f, FUNCTIONS[f][0], *c) for f, c in counts.items()}


def _gaps(stage: str, cover: dict[str, Coverage], size: int, staffing: Staffing) -> list[Gap]:
    """Gaps by transparent rules on stage and team; a function anyone covers is no gap.

    Covered means someone in that function is on the team, hired and yet to start, or being
    hired for through an open role.
    """
    level = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 0
    next_stage = STAGE_LABELS[STAGE_ORDER[min(level + 1, len(STAGE_ORDER) - 1)]]
    found: list[Gap] = []

    def gap(function: str, name: str, priority: Priority, recommendation: str) -> None:
        found.append(Gap(function, name, counted_text(cover[function]), priority, recommendation))

    if size >= 5 and cover["design"].total == 0:
        gap(
            "design",
            "product design",
            Priority(
                "Founding Product Designer",
                "Product",
                "high",
                f"No designer in a team of {size}: product quality rests on engineers.",
            ),
            f"Hire a first product designer before {next_stage}.",
        )
    if level >= 1 and cover["sales"].total == 0:
        gap(
            "sales",
            "sales",
            Priority(
                "First Account Executive",
                "Sales",
                "high",
                "Founders still sell alone; revenue growth needs a repeatable motion.",
            ),
            "Hire a first account executive to take sales off the founders' plate.",
        )
    if level >= 2 and cover["data"].total == 0:
        gap(
            "data",
            "data",
            Priority(
                "Data Scientist",
                "Data",
                "medium",
                "Decisions at this stage need someone who owns metrics and experiments.",
            ),
            "Hire a data scientist to own metrics before the next raise.",
        )
    if size >= 25 and cover["people"].total == 0:
        gap(
            "people",
            "people operations",
            Priority(
                "People Operations Lead",
                "Operations",
                "medium",
                f"Nobody in a team of {size} owns the hiring process, onboarding and pay.",
            ),
            "Hire a people operations lead before the team passes 40.",
        )
    engineering = cover["engineering"]
    planned = size + len(staffing.pending_hires) + len(staffing.open_roles)
    if size >= 4 and engineering.total / max(planned, 1) < 0.3:
        gap(
            "engineering",
            "engineering capacity",
            Priority(
                "Senior Backend Engineer",
                "Engineering",
                "high",
                f"Only {engineering.total} of {planned} people on the team or being hired "
                "build the product.",
            ),
            "Grow engineering: under a third of the team builds the product.",
        )
    return found


def team_picture(
    stage: str,
    team: list[dict[str, Any]],
    staffing: Staffing | None,
    as_of: date,
    stated_size: int = 0,
) -> TeamPicture:
    """Who is on the team, by function, and the gaps the stage-and-size rules find.

    ``stated_size`` (StartupOS's own team size) is used only when no person is known; then the
    team's make-up is unknown and no gap is claimed.
    """
    staffing = staffing or Staffing()
    people, from_startupos = _people(team, staffing, as_of)
    mix: dict[str, int] = {}
    for seat in people:
        department = seat.department or "Other"
        mix[department] = mix.get(department, 0) + 1
    cover = _coverage(people, staffing)
    gaps = _gaps(stage, cover, len(people), staffing) if people else []
    gapped = {g.function for g in gaps}
    return TeamPicture(
        size=len(people) or stated_size,
        from_startupos=from_startupos,
        from_peopleos=len(people) - from_startupos,
        pending_hires=len(staffing.pending_hires),
        open_roles=len(staffing.open_roles),
        # Every function someone covers, and the gaps (whose zeros are the point).
        coverage=[c for c in cover.values() if c.total or c.function in gapped],
        gaps=gaps,
        department_mix=dict(sorted(mix.items())),
        note=None if people else "No team list yet: gaps need the titles of the people on it.",
    )


def recommendations(
    runway_months: int | None, velocity_label: str | None, gaps: list[Gap]
) -> list[str]:
    """What to do: a short runway first, then one line per team gap, then velocity's."""
    found: list[str] = []
    if runway_months is not None and runway_months < 12:
        found.append(
            f"Runway is {runway_months} months: hire for revenue first and keep the plan small."
        )
    found += [g.recommendation for g in gaps]
    if velocity_label == "hypergrowth":
        found.append("Invest in onboarding now: hypergrowth dilutes culture fast.")
    return found


# ---------------------------------------------------------------------------- scan


def scan(
    snapshot: dict[str, Any],
    encoder: TextEncoder,
    as_of: date,
    staffing: Staffing | None = None,
) -> DNAProfile:
    """The DNA profile of one StartupOS snapshot (contract shape: company, team, metrics).

    ``staffing`` adds what PeopleOS knows: employees, hires yet to start and open roles.
    """
    company = snapshot["company"]
    stage = company["stage"]
    picture = team_picture(
        stage, snapshot.get("team") or [], staffing, as_of, int(company.get("team_size") or 0)
    )
    velocity = _velocity(snapshot.get("metrics") or [])
    runway = company.get("runway_months")
    statements = _read_statements(company, encoder)
    return DNAProfile(
        scanner_version=SCANNER_VERSION,
        stage=stage,
        stage_label=STAGE_LABELS.get(stage, stage),
        runway_months=runway,
        team_size=picture.size,
        velocity=velocity,
        culture=_culture(statements),
        team_gaps=[g.name for g in picture.gaps],
        hiring_priorities=[g.priority for g in picture.gaps],
        recommendations=recommendations(runway, velocity["label"], picture.gaps),
        department_mix=picture.department_mix,
        statements=statements,
        team=picture.to_dict(),
    )


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """What changed between two stored profiles, in words."""
    if not previous:
        return ["First scan."]
    changes: list[str] = []
    if previous.get("stage") != current.get("stage"):
        changes.append(f"Stage {previous.get('stage_label')} → {current.get('stage_label')}.")
    before = {d["key"]: d["score"] for d in previous.get("culture", [])}
    for dim in current.get("culture", []):
        old = before.get(dim["key"])
        if old is not None and abs(dim["score"] - old) >= 5:
            changes.append(f"{dim['name']} {old} → {dim['score']}.")
    old_v, new_v = previous.get("velocity", {}), current.get("velocity", {})
    if old_v.get("label") != new_v.get("label"):
        changes.append(f"Velocity {old_v.get('label')} → {new_v.get('label')}.")
    old_gaps, new_gaps = set(previous.get("team_gaps", [])), set(current.get("team_gaps", []))
    changes += [f"New team gap: {g}." for g in sorted(new_gaps - old_gaps)]
    changes += [f"Gap closed: {g}." for g in sorted(old_gaps - new_gaps)]
    if previous.get("team_size") != current.get("team_size"):
        changes.append(f"Team {previous.get('team_size')} → {current.get('team_size')} people.")
    return changes or ["No change since the previous scan."]
