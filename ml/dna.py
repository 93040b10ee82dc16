"""Company DNA scanner: a StartupOS snapshot becomes a profile the people chain is scored on.

Culture comes from text (mission, values) through the MiniLM embedder: each named dimension
has an anchor description, and its 0-100 score is how strongly the company's own sentences
express it, with those sentences as evidence. Velocity, stage signals and team gaps come
from transparent rules on metrics and the team. The same snapshot always gives the same
profile.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np

SCANNER_VERSION = "dna-1.0"
STAGE_LABELS = {
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "growth": "Growth",
}
STAGE_ORDER = tuple(STAGE_LABELS)

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
# Cosine similarity of MiniLM sentences: about 0.1 for unrelated text, 0.6+ for paraphrases.
_COS_FLOOR, _COS_CEIL = 0.15, 0.65
# A sentence counts as evidence for a dimension only when it clearly expresses it.
_EVIDENCE_MIN = 0.35


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    score: int
    evidence: list[str]


@dataclass(frozen=True)
class Priority:
    title: str
    department: str
    priority: str
    reason: str


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sentences(company: dict[str, Any]) -> list[str]:
    parts = [company.get("mission") or "", company.get("values_text") or ""]
    parts += [f"We value {v.lower()}." for v in company.get("values") or []]
    found: list[str] = []
    for part in parts:
        for sentence in re.split(r"(?<=[.!?])\s+", part.strip()):
            if len(sentence) > 3 and sentence not in found:
                found.append(sentence)
    return found


def _culture(company: dict[str, Any], encoder: TextEncoder) -> list[Dimension]:
    sentences = _sentences(company)
    if not sentences:
        return [Dimension(k, name, 0, []) for k, (name, _) in CULTURE_DIMENSIONS.items()]
    anchors = encoder.encode([anchor for _, anchor in CULTURE_DIMENSIONS.values()])
    vectors = encoder.encode(sentences)
    similarity = vectors @ anchors.T  # sentences x dimensions
    dimensions = []
    for j, (key, (name, _)) in enumerate(CULTURE_DIMENSIONS.items()):
        order = np.argsort(-similarity[:, j], kind="stable")
        top = similarity[order[:2], j]
        strength = float(top.mean()) if len(top) else 0.0
        score = round(100 * min(max((strength - _COS_FLOOR) / (_COS_CEIL - _COS_FLOOR), 0), 1))
        evidence = [sentences[i] for i in order[:2] if similarity[i, j] >= _EVIDENCE_MIN]
        dimensions.append(Dimension(key, name, int(score), evidence))
    return dimensions


def _series(metrics: list[dict[str, Any]], name: str) -> list[float]:
    points = sorted((p for p in metrics if p["metric"] == name), key=lambda p: p["month"])
    return [float(p["value"]) for p in points]


def _velocity(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    releases = _series(metrics, "releases_per_month")
    heads = _series(metrics, "headcount")
    mrr = _series(metrics, "mrr_usd")
    evidence: list[str] = []
    parts: list[float] = []
    if releases:
        recent = float(np.mean(releases[-3:]))
        parts.append(0.4 * min(recent / 15, 1))
        evidence.append(f"{recent:.1f} releases a month over the last {min(3, len(releases))}")
    if len(heads) >= 2 and heads[0] > 0:
        growth = heads[-1] / heads[0] - 1
        parts.append(0.3 * min(max(growth, 0) / 1.0, 1))
        evidence.append(f"headcount {heads[0]:.0f} → {heads[-1]:.0f} in {len(heads)} months")
    if len(mrr) >= 2 and mrr[0] > 0:
        window = mrr[-7:]
        monthly = (window[-1] / window[0]) ** (1 / (len(window) - 1)) - 1
        parts.append(0.3 * min(max(monthly, 0) / 0.15, 1))
        evidence.append(f"MRR growing {100 * monthly:.1f}% a month")
    if not parts:
        return {"score": None, "label": "unknown", "evidence": ["no metrics yet"]}
    weight = {1: 0.4, 2: 0.7, 3: 1.0}[len(parts)] if len(parts) < 3 else 1.0
    score = round(100 * sum(parts) / weight)
    label = "steady" if score < 35 else "fast" if score < 65 else "hypergrowth"
    return {"score": int(score), "label": label, "evidence": evidence}


def _department_mix(team: list[dict[str, Any]], as_of: date) -> dict[str, int]:
    mix: dict[str, int] = {}
    for member in team:
        end = member.get("end_date")
        if end and date.fromisoformat(end) <= as_of:
            continue
        department = member.get("department") or "Other"
        mix[department] = mix.get(department, 0) + 1
    return dict(sorted(mix.items()))


def _has_title(team: list[dict[str, Any]], *words: str) -> bool:
    return any(any(w in (m.get("title") or "").lower() for w in words) for m in team)


def _gaps(
    stage: str, team: list[dict[str, Any]], mix: dict[str, int], size: int
) -> list[tuple[str, Priority, str]]:
    """(gap, priority to hire, recommendation) by transparent rules on team and stage."""
    level = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 0
    next_stage = STAGE_LABELS[STAGE_ORDER[min(level + 1, len(STAGE_ORDER) - 1)]]
    found: list[tuple[str, Priority, str]] = []
    engineers = mix.get("Engineering", 0)
    if size >= 5 and not _has_title(team, "designer"):
        found.append(
            (
                "product design",
                Priority(
                    "Founding Product Designer",
                    "Product",
                    "high",
                    f"{size} people and no designer: product quality rests on engineers.",
                ),
                f"Hire a first product designer before {next_stage}.",
            )
        )
    if level >= 1 and not (mix.get("Sales") or _has_title(team, "account executive", "sales")):
        found.append(
            (
                "sales",
                Priority(
                    "First Account Executive",
                    "Sales",
                    "high",
                    "Founders still sell alone; revenue growth needs a repeatable motion.",
                ),
                "Hire a first account executive to take sales off the founders' plate.",
            )
        )
    if level >= 2 and not mix.get("Data"):
        found.append(
            (
                "data",
                Priority(
                    "Data Scientist",
                    "Data",
                    "medium",
                    "Decisions at this stage need someone who owns metrics and experiments.",
                ),
                "Hire a data scientist to own metrics before the next raise.",
            )
        )
    if size >= 25 and not (mix.get("Operations") or _has_title(team, "people")):
        found.append(
            (
                "people operations",
                Priority(
                    "People Operations Lead",
                    "Operations",
                    "medium",
                    f"{size} people and nobody owns hiring process, onboarding and pay.",
                ),
                "Hire a people operations lead before the team passes 40.",
            )
        )
    if size >= 4 and engineers / max(size, 1) < 0.3:
        found.append(
            (
                "engineering capacity",
                Priority(
                    "Senior Backend Engineer",
                    "Engineering",
                    "high",
                    f"Only {engineers} of {size} people build the product.",
                ),
                "Grow engineering: under a third of the team builds the product.",
            )
        )
    return found


def scan(snapshot: dict[str, Any], encoder: TextEncoder, as_of: date) -> DNAProfile:
    """The DNA profile of one StartupOS snapshot (contract shape: company, team, metrics)."""
    company = snapshot["company"]
    team = snapshot.get("team") or []
    metrics = snapshot.get("metrics") or []
    stage = company["stage"]
    mix = _department_mix(team, as_of)
    size = sum(mix.values()) or int(company.get("team_size") or 0)
    velocity = _velocity(metrics)
    gaps = _gaps(stage, team, mix, size)
    priorities = [p for _, p, _ in gaps]
    recommendations = [r for _, _, r in gaps]
    runway = company.get("runway_months")
    if runway is not None and runway < 12:
        recommendations.insert(
            0, f"Runway is {runway} months: hire for revenue first and keep the plan small."
        )
    if velocity["label"] == "hypergrowth":
        recommendations.append("Invest in onboarding now: hypergrowth dilutes culture fast.")
    return DNAProfile(
        scanner_version=SCANNER_VERSION,
        stage=stage,
        stage_label=STAGE_LABELS.get(stage, stage),
        runway_months=runway,
        team_size=size,
        velocity=velocity,
        culture=_culture(company, encoder),
        team_gaps=[g for g, _, _ in gaps],
        hiring_priorities=priorities,
        recommendations=recommendations,
        department_mix=mix,
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
