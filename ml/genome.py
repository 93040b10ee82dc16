"""Candidate genome: a compact, explainable portrait of one candidate next to the role's ideal.

The genome holds seven traits 0-100 (:data:`GENOME_TRAITS`), the ideal trait profile of the
role at this company, a skills graph (what the candidate has, what the role asks for), the
work-style signals the resume states in so many words, and optionally the resume embedding.
It is plain data (JSON-ready) and versioned by :data:`GENOME_VERSION`.

Inputs are the parsed resume, its text, the role intelligence, the company DNA, the signals
of :func:`ml.fit.extract_signals` and the dimension scores of :mod:`ml.fit`. Nothing here
reads a name, email, address, age, graduation year or any protected attribute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ml.fit import company_stage_index, role_level

GENOME_VERSION = "genome-1"
GENOME_TRAITS: dict[str, str] = {
    "builder": "Builder",
    "velocity": "Speed",
    "craft": "Craft",
    "experience": "Experience",
    "stability": "Stability",
    "stage_affinity": "Stage affinity",
    "culture": "Culture",
}
# Years in similar roles that fill the experience axis; the staff level asks for 8.
EXPERIENCE_FULL_YEARS = 10.0
# Average tenure that counts as fully stable, and the cost of each job under a year.
STABLE_TENURE_YEARS = 3.0
SHORT_TENURE_PENALTY = 15
# Years of relevant experience each level (junior … staff) asks for, as in ml.fit.
_LEVEL_YEARS = (0.5, 2.0, 5.0, 8.0)
MAX_EDGES = 60
_EVIDENCE_CHARS = 160
_WORK_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Ships fast",
        re.compile(
            r"\b(?:shipped|ships|ship(?:ping)? (?:daily|weekly)|continuous (?:delivery|deployment)|"
            r"feature flags?|a/b tests?|weekly releases?|daily releases?|release cadence|"
            r"iterat\w+)\b",
            re.I,
        ),
    ),
    (
        "Builds from zero",
        re.compile(
            r"\b(?:from (?:zero|scratch)|zero to one|0 to 1|first version|greenfield|"
            r"co-?founded|founded|prototyped|mvp)\b",
            re.I,
        ),
    ),
    (
        "Mentors others",
        re.compile(r"\b(?:mentor\w*|coach\w*|onboarded|grew the team|led a team)\b", re.I),
    ),
    (
        "Owns reliability",
        re.compile(
            r"\b(?:on-?call|incidents?|post-?mortems?|slos?|uptime|reliability|sre|pager\w*)\b",
            re.I,
        ),
    ),
    (
        "Works with customers",
        re.compile(
            # Not "client": an HTTP or API client says nothing about customers.
            r"\b(?:customers?|customer-facing|user interviews?|talked to users|"
            r"support tickets?)\b",
            re.I,
        ),
    ),
    (
        "Writes things down",
        re.compile(r"\b(?:rfcs?|design docs?|documentation|wrote the|technical writing)\b", re.I),
    ),
)


def genome_traits(signals: dict[str, float], dimensions: dict[str, float]) -> dict[str, int]:
    """The seven traits 0-100 of one candidate.

    - builder, velocity, culture = the dimension of the same name
    - craft = the skills dimension (share of the role's must-haves held)
    - stage_affinity = the stage dimension (most recent job at the company's stage)
    - experience = 100 x min(1, relevant years / 10)
    - stability = 100 x min(1, average tenure / 3 years) less 15 per job under a year
    """
    relevant = float(signals.get("relevant_years", 0.0))
    tenure = float(signals.get("avg_tenure_years", 0.0))
    short = float(signals.get("short_tenures", 0.0))
    raw = {
        "builder": _dimension(dimensions, "builder", signals, "builder_signal"),
        "velocity": _dimension(dimensions, "velocity", signals, "velocity_signal"),
        "craft": _dimension(dimensions, "skills", signals, "skills_match"),
        "experience": 100 * min(1.0, relevant / EXPERIENCE_FULL_YEARS),
        "stability": 100 * min(1.0, tenure / STABLE_TENURE_YEARS) - SHORT_TENURE_PENALTY * short,
        "stage_affinity": _dimension(dimensions, "stage", signals, "stage_experience"),
        "culture": _dimension(dimensions, "culture", signals, "culture_alignment"),
    }
    return {key: _score(raw[key]) for key in GENOME_TRAITS}


def role_ideal(role: dict[str, Any], dna: dict[str, Any]) -> dict[str, int]:
    """The trait profile of the ideal candidate for this role at this company.

    ``early`` is 1 at pre-seed, 2/3 at seed, 1/3 at Series A and 0 at Series B+.

    - builder = 50 + 40 x early; velocity = 55 + 35 x early; stage_affinity = 40 + 50 x early
      (zero-to-one work, speed and startup experience matter most early)
    - stability = 50 + 30 x (1 - early) (later stages invest in people who stay)
    - craft = 100 when the role lists must-haves (the ideal holds all), else 50 (neutral)
    - experience = 100 x min(1, years the role's level asks for / 10)
    - culture = mean of the company's three strongest culture scores (50 when unknown):
      a company with a pronounced culture asks for closer alignment
    """
    early = (3 - company_stage_index(dna)) / 3
    scores = sorted(
        (float(d["score"]) for d in dna.get("culture") or [] if d.get("score") is not None),
        reverse=True,
    )[:3]
    raw = {
        "builder": 50 + 40 * early,
        "velocity": 55 + 35 * early,
        "craft": 100.0 if role.get("must_have_skills") else 50.0,
        "experience": 100 * min(1.0, _LEVEL_YEARS[role_level(role)] / EXPERIENCE_FULL_YEARS),
        "stability": 50 + 30 * (1 - early),
        "stage_affinity": 40 + 50 * early,
        "culture": sum(scores) / len(scores) if scores else 50.0,
    }
    return {key: _score(raw[key]) for key in GENOME_TRAITS}


def skills_graph(profile: dict[str, Any], role: dict[str, Any]) -> dict[str, Any]:
    """Skill nodes (held skills plus missing must-haves) and same-category edges.

    Nodes come must-haves first (role order), then nice-to-haves (role order), then other
    held skills (alphabetical). Edges join held skills of the same known category, in node
    order, at most :data:`MAX_EDGES`.
    """
    held = {str(s).lower(): str(s) for s in profile.get("skills") or []}
    categories = {
        str(k).lower(): str(v) for k, v in (profile.get("skill_categories") or {}).items()
    }
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for kind, skills in (
        ("must_have", role.get("must_have_skills") or []),
        ("nice_to_have", role.get("nice_to_have_skills") or []),
        ("other", sorted(held.values(), key=str.lower)),
    ):
        for skill in skills:
            key = str(skill).lower()
            # A nice-to-have the candidate lacks adds noise, not insight; a missing
            # must-have is the point of the graph.
            if key in seen or (kind == "nice_to_have" and key not in held):
                continue
            seen.add(key)
            nodes.append(
                {
                    "id": held.get(key, str(skill)),
                    "category": categories.get(key, "other"),
                    "kind": kind,
                    "have": key in held,
                }
            )
    edges: list[list[str]] = []
    linkable = [n for n in nodes if n["have"] and n["category"] != "other"]
    for i, a in enumerate(linkable):
        for b in linkable[i + 1 :]:
            if a["category"] == b["category"] and len(edges) < MAX_EDGES:
                edges.append([a["id"], b["id"]])
    return {"nodes": nodes, "edges": edges}


def work_style(resume_text: str, signals: dict[str, float]) -> list[dict[str, str]]:
    """Work-style signals the resume states, each with the first line that shows it.

    Adds "Stays for the long run" when the average tenure is 3 years or more.
    """
    lines = [ln.strip(" -•*\t") for ln in resume_text.splitlines() if ln.strip()]
    found: list[dict[str, str]] = []
    for name, pattern in _WORK_STYLES:
        line = next((ln for ln in lines if pattern.search(ln)), None)
        if line is not None:
            found.append({"signal": name, "evidence": line[:_EVIDENCE_CHARS]})
    tenure = float(signals.get("avg_tenure_years", 0.0))
    if tenure >= STABLE_TENURE_YEARS:
        found.append(
            {"signal": "Stays for the long run", "evidence": f"Average tenure {tenure:.1f} years"}
        )
    return found


def build_genome(
    profile: dict[str, Any],
    resume_text: str,
    role: dict[str, Any],
    dna: dict[str, Any],
    signals: dict[str, float],
    dimensions: dict[str, float],
    embedding: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The genome of one candidate for one role: traits, ideal, skills graph, work style."""
    return {
        "version": GENOME_VERSION,
        "traits": genome_traits(signals, dimensions),
        "ideal": role_ideal(role, dna),
        "skills_graph": skills_graph(profile, role),
        "work_style": work_style(resume_text, signals),
        # Five decimals keep cosine similarity intact at a fraction of the JSON size.
        "embedding": None if embedding is None else [round(float(x), 5) for x in embedding],
    }


def _dimension(
    dimensions: dict[str, float], key: str, signals: dict[str, float], signal: str
) -> float:
    """The dimension score, or 100 x its signal when the dimension was not computed."""
    if key in dimensions:
        return float(dimensions[key])
    return 100 * float(signals.get(signal, 0.5))


def _score(value: float) -> int:
    return int(round(min(100.0, max(0.0, value))))
