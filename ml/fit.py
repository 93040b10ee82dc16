"""Fit dimensions: what a candidate's parsed profile says about one role at one company.

Two steps, both pure:

1. :func:`extract_signals` reads the parsed resume (``ml.resume.ResumeProfile.to_dict``),
   the resume text, the role intelligence and the company DNA and returns the raw
   *signals* named in :data:`SIGNALS` (the same quantities the synthetic history records,
   so a model trained there reads real candidates unchanged), each with its evidence.
2. :func:`dimension_frame` turns signals into the model's features: seven dimension
   scores 0-100 (:data:`DIMENSIONS`) plus the profile features; :func:`dimension_scores`
   gives one candidate the dimensions a profile shows (:data:`SHOWN_DIMENSIONS`: the seven
   and Track record, scored from the tenure features by :func:`track_record_score`), each
   with a one-line reasoning.

Every model feature belongs to exactly one shown dimension (:data:`GROUPS`), so the
explanation of the overall fit (SHAP values summed per dimension, turned into score points
by :func:`score_points`) speaks of the same dimensions the bars show.

Nothing here reads a name, email, address, photo, age, graduation year or any voluntary
self-identification answer: the inputs are skills, jobs (titles, dates), the role and the
company. ``tests/test_fit.py`` lists the features and checks that changing a name or email
changes nothing.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.special import expit

# The culture descriptions the DNA was scored against, compared with resume sentences.
from ml.dna import CULTURE_DIMENSIONS
from ml.features import SIGNALS

DIMENSIONS: dict[str, str] = {
    "skills": "Skills fit",
    "experience": "Experience fit",
    "stage": "Stage fit",
    "culture": "Culture fit",
    "velocity": "Velocity fit",
    "builder": "Builder mindset",
    "role": "Role fit",
}
PROFILE_FEATURES: tuple[str, ...] = (
    "years_experience",
    "relevant_years",
    "avg_tenure_years",
    "short_tenures",
    "employment_gap_months",
    "seniority_gap",
    "company_stage_index",
)
MODEL_FEATURES: tuple[str, ...] = tuple(f"{d}_fit" for d in DIMENSIONS) + PROFILE_FEATURES
# The success model reads the dimensions and what the role asks (ml.success).
SUCCESS_FEATURES: tuple[str, ...] = (
    *(f"{d}_fit" for d in DIMENSIONS),
    "role_level",
    "seniority_gap",
    "company_stage_index",
)
# The dimensions a profile shows as bars: the seven model dimensions and Track record, which
# sums up the tenure features. Every model feature belongs to one of them (GROUPS).
SHOWN_DIMENSIONS: dict[str, str] = {**DIMENSIONS, "track_record": "Track record"}
# Explanations are shown per shown dimension: the one a feature belongs to.
GROUPS: dict[str, str] = {
    "skills_fit": "skills",
    "experience_fit": "experience",
    "years_experience": "experience",
    "relevant_years": "experience",
    "seniority_gap": "experience",
    "stage_fit": "stage",
    "company_stage_index": "stage",
    "culture_fit": "culture",
    "velocity_fit": "velocity",
    "builder_fit": "builder",
    "role_fit": "role",
    "avg_tenure_years": "track_record",
    "short_tenures": "track_record",
    "employment_gap_months": "track_record",
}
GROUP_NAMES = SHOWN_DIMENSIONS
FEATURE_LABELS = {
    **{f"{d}_fit": name for d, name in DIMENSIONS.items()},
    "years_experience": "Years of experience",
    "relevant_years": "Years in similar roles",
    "avg_tenure_years": "Average tenure (years)",
    "short_tenures": "Jobs held under a year",
    "employment_gap_months": "Longest gap (months)",
    "seniority_gap": "Seniority vs role (levels)",
    "company_stage_index": "Company stage (0 pre-seed … 3 Series B+)",
}
STAGE_INDEX = {"pre_seed": 0, "seed": 1, "series_a": 2, "series_b": 3, "series_c": 3, "growth": 3}
LEVEL_NAMES = ("Junior", "Mid-level", "Senior", "Staff")
# Years of relevant experience a role at each level asks for.
REQUIRED_YEARS = (0.5, 2.0, 5.0, 8.0)
_LEVEL_EDGES = (2.0, 5.0, 9.0)
# How each startup stage is written in a resume line, most specific first.
_STAGE_WORDS = (
    (0, re.compile(r"\bpre[- ]?seed\b", re.I)),
    (1, re.compile(r"\bseed(?:[- ]stage)?\b", re.I)),
    (2, re.compile(r"\bseries[- ]a\b", re.I)),
    (3, re.compile(r"\bseries[- ][b-z]\b|\bscale[- ]?up\b|\bgrowth[- ]stage\b", re.I)),
)
_ENTERPRISE = re.compile(r"\benterprise\b|\bcorporat|\bfortune 500\b", re.I)
_BUILDER = re.compile(
    r"\b(?:built (?:the first|from (?:zero|scratch))|from zero|from scratch|zero to one|0 to 1|"
    r"founded|co-?founded|started an?|prototyped|first version|greenfield|launched a new)\b",
    re.I,
)
_VELOCITY = re.compile(
    r"\b(?:shipped|ship(?:ping)? (?:daily|weekly)|several times a (?:week|day)|release cycle|"
    r"continuous (?:delivery|deployment)|feature flags|experiments?|iterat\w*|daily releases?|"
    r"weekly releases?|a/b tests?)\b",
    re.I,
)
_DATE_RANGE = re.compile(r"(?:19|20)\d{2}\s*[-–—]|\b(?:present|current)\b", re.I)
_TITLE_NOISE = {
    "senior",
    "junior",
    "staff",
    "lead",
    "principal",
    "mid-level",
    "mid",
    "level",
    "founding",
    "head",
    "of",
    "the",
    "and",
    "&",
    "i",
    "ii",
    "iii",
    "sr",
    "jr",
}
# Track record: points off per job held under a year, per month of the longest gap, and per
# year the average tenure falls short of TENURE_YEARS (see track_record_score).
SHORT_TENURE_POINTS, GAP_MONTH_POINTS, TENURE_YEAR_POINTS, TENURE_YEARS = 25.0, 2.0, 7.5, 4.0
# MiniLM cosine of a resume sentence and a culture description: ~0.1 unrelated, 0.5+ close.
_CULTURE_FLOOR, _CULTURE_CEIL = 0.10, 0.50


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class CachedEncoder:
    """Encodes each distinct text once, keeping the ``max_items`` most recently used vectors:
    resumes repeat phrases (10,000 demo resumes hold 3,222 distinct culture sentences), a
    rescore after a DNA change reads the same sentences again, and every candidate is
    compared with the same culture descriptions. 50,000 vectors take about 75 MB."""

    def __init__(self, encoder: TextEncoder, max_items: int = 50_000) -> None:
        self.encoder = encoder
        self.max_items = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # The web app scores in background threads too; the model call runs outside it.
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        encoded = self.encoder.encode(missing) if missing else []
        with self._lock:
            self._vectors.update(zip(missing, encoded, strict=True))
            rows = []
            for text in texts:
                self._vectors.move_to_end(text)
                rows.append(self._vectors[text])
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
        return np.vstack(rows)


@dataclass(frozen=True)
class DimensionScore:
    key: str
    name: str
    score: int
    reasoning: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- signals


def level_of_years(years: float) -> int:
    """0 junior (<2 y) … 3 staff (9+ y): the level a career length usually reaches."""
    return int(np.digitize(years, _LEVEL_EDGES))


def role_level(role: dict[str, Any], title: str = "") -> int:
    """The role's level 0-3 from its intelligence (``level`` or ``seniority``) or title."""
    if isinstance(role.get("level"), int):
        return max(0, min(3, role["level"]))
    seniority = str(role.get("seniority") or "")
    for i, name in enumerate(LEVEL_NAMES):
        if seniority.lower().startswith(name.lower()[:3]):
            return i
    words = title.lower()
    if any(w in words for w in ("staff", "principal", "lead", "head")):
        return 3
    if "senior" in words or "sr" in words.split():
        return 2
    if "junior" in words or "intern" in words:
        return 0
    return 1


def company_stage_index(dna: dict[str, Any]) -> int:
    """0 pre-seed … 3 Series B and later."""
    return STAGE_INDEX.get(str(dna.get("stage") or "seed"), 1)


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z+#.-]*", title.lower()) if w not in _TITLE_NOISE}


def job_lines(text: str) -> list[str]:
    """Resume lines that carry a date range: one per job, in the resume's order."""
    return [ln for ln in text.splitlines() if _DATE_RANGE.search(ln) and len(ln) < 300]


def stage_of_line(line: str) -> int | None:
    if _ENTERPRISE.search(line):
        return 4
    for stage, pattern in _STAGE_WORDS:
        if pattern.search(line):
            return stage
    return None


def _first_match(pattern: re.Pattern[str], text: str) -> str | None:
    for line in text.splitlines():
        if pattern.search(line):
            return line.strip(" -•*\t")[:160]
    return None


def culture_sentences(text: str) -> list[str]:
    """The resume sentences compared with the company's culture (dated job lines left out)."""
    return [
        s.strip(" -•*\t")
        for s in re.split(r"[\n.;]", text)
        if 25 <= len(s.strip()) <= 240 and not _DATE_RANGE.search(s)
    ][:60]


def _described_culture(dna: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d
        for d in dna.get("culture") or []
        if d.get("score") is not None and d.get("key") in CULTURE_DIMENSIONS
    ]


def culture_texts(texts: list[str], dna: dict[str, Any]) -> list[str]:
    """Every distinct text :func:`extract_signals` encodes for these resumes, so a batch can
    be encoded in one call (a :class:`CachedEncoder` warmed with them; one MiniLM call over
    a batch's sentences costs about a third of one call per resume)."""
    described = _described_culture(dna)
    if not described:
        return []
    sentences = (s for text in texts for s in culture_sentences(text))
    descriptions = [CULTURE_DIMENSIONS[d["key"]][1] for d in described]
    return list(dict.fromkeys([*sentences, *descriptions]))


def _culture_alignment(
    text: str, dna: dict[str, Any], encoder: TextEncoder | None
) -> tuple[float, str]:
    sentences = culture_sentences(text)
    described = _described_culture(dna)
    if encoder is None or not described or not sentences:
        return 0.5, "No culture evidence to compare: scored as neutral (50)."
    vectors = encoder.encode(sentences + [CULTURE_DIMENSIONS[d["key"]][1] for d in described])
    similarity = vectors[: len(sentences)] @ vectors[len(sentences) :].T
    best = similarity.max(axis=0)
    strength = np.clip((best - _CULTURE_FLOOR) / (_CULTURE_CEIL - _CULTURE_FLOOR), 0.0, 1.0)
    weights = np.array([max(float(d["score"]), 1.0) for d in described])
    alignment = float(np.average(strength, weights=weights))
    top = int(np.argmax(strength * weights))
    sentence = sentences[int(similarity[:, top].argmax())]
    return alignment, (
        f"Closest to the company's '{described[top]['name']}' "
        f"({described[top]['score']}/100): “{sentence[:120]}”"
    )


def with_role_skills(profile: dict[str, Any], text: str, role: dict[str, Any]) -> dict[str, Any]:
    """``profile`` plus the role's skills the resume names literally but the taxonomy lacks.

    A role may ask for a skill outside the shipped taxonomy (e.g. "Testing Library"); the
    parser cannot know it, but the resume text can still say it. Names of three letters or
    fewer must match case too, so "Go" is found and "go to market" is not.
    """
    held = {str(s).lower() for s in profile.get("skills") or []}
    found = []
    for skill in [*(role.get("must_have_skills") or []), *(role.get("nice_to_have_skills") or [])]:
        name = str(skill)
        if name.lower() in held or not name.strip():
            continue
        flags = 0 if len(name) <= 3 else re.IGNORECASE
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags):
            found.append(name)
            held.add(name.lower())
    if not found:
        return profile
    return {**profile, "skills": sorted([*(profile.get("skills") or []), *found])}


def extract_signals(
    profile: dict[str, Any],
    resume_text: str,
    role: dict[str, Any],
    dna: dict[str, Any],
    *,
    today: date,
    role_title: str = "",
    encoder: TextEncoder | None = None,
) -> tuple[dict[str, float], dict[str, str]]:
    """The :data:`SIGNALS` of one candidate for one role, and the evidence of each.

    ``profile`` is a parsed resume, ``role`` the role intelligence, ``dna`` the company DNA
    profile. Without ``encoder`` culture alignment is neutral (0.5).
    """
    evidence: dict[str, str] = {}
    skills = {s.lower() for s in profile.get("skills") or []}
    must = list(role.get("must_have_skills") or [])
    matched = [s for s in must if s.lower() in skills]
    missing = [s for s in must if s.lower() not in skills]
    if must:
        skills_match = len(matched) / len(must)
        evidence["skills_match"] = f"{len(matched)} of {len(must)} must-have skills" + (
            f"; missing {', '.join(missing[:4])}" if missing else ""
        )
    else:
        skills_match = 0.5
        evidence["skills_match"] = "The role lists no must-have skills: scored as neutral."

    jobs = list(profile.get("jobs") or [])
    years = float(profile.get("total_years") or 0.0)
    title_words = _title_words(role_title) | _title_words(str(role.get("family_name") or ""))
    relevant_months = sum(
        int(j.get("months") or 0)
        for j in jobs
        if title_words and _title_words(str(j.get("title") or "")) & title_words
    )
    relevant = min(years, round(relevant_months / 12, 1)) if title_words else years
    evidence["relevant_years"] = f"{relevant:.1f} of {years:.1f} years in similar roles"

    stage = company_stage_index(dna)
    stages = [s for s in (stage_of_line(ln) for ln in job_lines(resume_text)) if s is not None]
    stage_experience = 1.0 if stages and stages[0] == stage else 0.0
    stage_name = ("pre-seed", "seed", "Series A", "Series B+")[stage]
    if stage_experience:
        evidence["stage_experience"] = f"Most recent job was at a {stage_name} company."
    elif stage in stages:
        evidence["stage_experience"] = f"Worked at a {stage_name} company, but not most recently."
    elif stages:
        seen = ", ".join(
            sorted({("pre-seed", "seed", "Series A", "Series B+", "enterprise")[s] for s in stages})
        )
        evidence["stage_experience"] = f"No {stage_name} experience found (worked at: {seen})."
    else:
        evidence["stage_experience"] = "The resume names no company stage."

    culture, evidence["culture_alignment"] = _culture_alignment(resume_text, dna, encoder)
    builder_line = _first_match(_BUILDER, resume_text)
    velocity_line = _first_match(_VELOCITY, resume_text)
    # A resume that shows the behaviour sits well above the population's middle; one that
    # does not, below it (the signal is about what the text shows, not who the person is).
    builder = 0.72 if builder_line else 0.30
    velocity = 0.75 if velocity_line else 0.35
    evidence["builder_signal"] = (
        f"“{builder_line}”" if builder_line else "No zero-to-one work described."
    )
    evidence["velocity_signal"] = (
        f"“{velocity_line}”" if velocity_line else "No fast-shipping practice described."
    )

    avg_tenure = round(years / len(jobs), 1) if jobs else 0.0
    short = int(profile.get("short_tenures") or 0)
    gaps = [int(g) for g in profile.get("gaps_months") or []]
    if jobs:
        last_end = max(date.fromisoformat(str(j["end"])) for j in jobs)
        since = (today.year - last_end.year) * 12 + today.month - last_end.month
        gaps.append(max(0, since))
    gap = float(max(gaps, default=0))
    evidence["avg_tenure_years"] = f"{len(jobs)} jobs over {years:.1f} years"
    evidence["short_tenures"] = f"{short} job(s) held under a year"
    evidence["employment_gap_months"] = (
        f"Longest gap {gap:.0f} months" if gap else "No gap between jobs"
    )
    level = role_level(role, role_title)
    seniority_gap = float(np.clip(level_of_years(years) - level, -3, 3))
    evidence["seniority_gap"] = (
        f"{years:.0f} years suits a {LEVEL_NAMES[level_of_years(years)]} role; "
        f"this one is {LEVEL_NAMES[level]}"
    )
    evidence["years_experience"] = f"{years:.1f} years of work found"
    evidence["company_stage_index"] = f"The company is at {stage_name} stage"
    signals = {
        "skills_match": skills_match,
        "years_experience": years,
        "relevant_years": relevant,
        "stage_experience": stage_experience,
        "culture_alignment": culture,
        "velocity_signal": velocity,
        "builder_signal": builder,
        "avg_tenure_years": avg_tenure,
        "short_tenures": float(short),
        "employment_gap_months": gap,
        "seniority_gap": seniority_gap,
        "company_stage_index": float(stage),
    }
    return {k: float(signals[k]) for k in SIGNALS}, evidence


# --------------------------------------------------------------------------- dimensions


def dimension_frame(signals: pd.DataFrame) -> pd.DataFrame:
    """The model features (:data:`MODEL_FEATURES`) of a frame of signals, vectorised.

    - skills = 100 x share of the role's must-have skills found
    - experience = 100 x min(1, relevant years / years the role's level asks for), less 12
      per level of over- or under-levelling
    - stage = 100 if the most recent job was at the company's stage, else 0
    - culture, velocity, builder = 100 x the signal
    - role = 100 x share of the career spent in similar roles, less 15 per level of mismatch
    """
    s = signals
    years = s["years_experience"].to_numpy(dtype=float)
    relevant = s["relevant_years"].to_numpy(dtype=float)
    gap = s["seniority_gap"].to_numpy(dtype=float)
    level = np.clip(np.digitize(years, _LEVEL_EDGES) - gap, 0, 3).astype(int)
    required = np.asarray(REQUIRED_YEARS)[level]
    experience = 100 * np.minimum(1.0, relevant / required) - 12 * np.abs(gap)
    role = 100 * np.minimum(1.0, relevant / np.maximum(years, 0.5)) - 15 * np.abs(gap)
    out = pd.DataFrame(
        {
            "skills_fit": 100 * s["skills_match"].to_numpy(dtype=float),
            "experience_fit": np.clip(experience, 0, 100),
            "stage_fit": 100 * s["stage_experience"].to_numpy(dtype=float),
            "culture_fit": 100 * s["culture_alignment"].to_numpy(dtype=float),
            "velocity_fit": 100 * s["velocity_signal"].to_numpy(dtype=float),
            "builder_fit": 100 * s["builder_signal"].to_numpy(dtype=float),
            "role_fit": np.clip(role, 0, 100),
        },
        index=s.index,
    )
    for name in PROFILE_FEATURES:
        out[name] = s[name].to_numpy(dtype=float)
    return out[list(MODEL_FEATURES)]


def success_frame(features: pd.DataFrame) -> pd.DataFrame:
    """:data:`SUCCESS_FEATURES` from the fit model's features (``ml.fit.MODEL_FEATURES``)."""
    levels = np.digitize(features["years_experience"].to_numpy(dtype=float), _LEVEL_EDGES)
    out = features[[f"{d}_fit" for d in DIMENSIONS]].copy()
    out["role_level"] = np.clip(
        levels - features["seniority_gap"].to_numpy(), 0, len(REQUIRED_YEARS) - 1
    )
    out["seniority_gap"] = features["seniority_gap"].to_numpy()
    out["company_stage_index"] = features["company_stage_index"].to_numpy()
    return out[list(SUCCESS_FEATURES)]


def track_record_score(
    avg_tenure_years: np.ndarray | float,
    short_tenures: np.ndarray | float,
    employment_gap_months: np.ndarray | float,
) -> np.ndarray:
    """Track record 0-100 from the tenure features, vectorised.

    track record = 100 - 25 x jobs held under a year - 2 x months of the longest gap
    (including the time since the last job) - 7.5 x years the average tenure falls short
    of 4, clipped to 0-100. The weights are in proportion to what each costs in the
    synthetic hiring history's success function (``ml.synthetic``: about -0.5 per short
    tenure at a middle stage, -0.04 per gap month, +0.15 per year of average tenure up to
    4), at 50 points per unit of log-odds, so this bar moves the way the model's
    Track record group does. It is shown, never a model feature.
    """
    tenure = np.asarray(avg_tenure_years, dtype=float)
    shortfall = np.maximum(0.0, TENURE_YEARS - tenure)
    score = (
        100.0
        - SHORT_TENURE_POINTS * np.asarray(short_tenures, dtype=float)
        - GAP_MONTH_POINTS * np.asarray(employment_gap_months, dtype=float)
        - TENURE_YEAR_POINTS * shortfall
    )
    return np.clip(score, 0.0, 100.0)


def dimension_scores(signals: dict[str, float], evidence: dict[str, str]) -> list[DimensionScore]:
    """The shown dimension scores of one candidate (:data:`SHOWN_DIMENSIONS`), each with a
    one-line reasoning."""
    row = dimension_frame(pd.DataFrame([signals])).iloc[0]
    values = {k: int(round(float(v))) for k, v in row.items()}
    values["track_record_fit"] = int(
        round(
            float(
                track_record_score(
                    row["avg_tenure_years"], row["short_tenures"], row["employment_gap_months"]
                )
            )
        )
    )
    reasons = {
        "skills": evidence.get("skills_match", ""),
        "experience": f"{evidence.get('relevant_years', '')}; {evidence.get('seniority_gap', '')}",
        "stage": f"{evidence.get('stage_experience', '').rstrip('.')}; "
        f"{evidence.get('company_stage_index', '').replace('The company', 'the company', 1)}",
        "culture": evidence.get("culture_alignment", ""),
        "velocity": evidence.get("velocity_signal", ""),
        "builder": evidence.get("builder_signal", ""),
        "role": f"{evidence.get('relevant_years', '')}; level gap {signals['seniority_gap']:+.0f}",
        "track_record": f"{evidence.get('avg_tenure_years', '')} "
        f"(average tenure {signals['avg_tenure_years']:.1f} years); "
        f"{signals['short_tenures']:.0f} job(s) held under a year; "
        f"longest gap {signals['employment_gap_months']:.0f} months",
    }
    return [
        DimensionScore(key, name, values[f"{key}_fit"], reasons[key].strip("; "))
        for key, name in SHOWN_DIMENSIONS.items()
    ]


# --------------------------------------------------------------------------- score points


def fit_score(output: float) -> float:
    """The fit score 0-100 of the ensemble's output: 100 x the success probability."""
    return 100.0 * float(expit(output))


def score_points(
    values: Mapping[str, float], base_value: float, output: float
) -> tuple[float, dict[str, float], float]:
    """Attributions in the model's output scale turned into fit-score points that add up.

    Returns the average candidate's score (``fit_score(base_value)``), the points of each
    value and this candidate's score (``fit_score(output)``). Every value is scaled by the
    same factor, the slope of the score between the two, so when ``values`` are all the
    attributions, ``base + sum(points) == score``; a subset (one dimension's features)
    scales the same way, so its points add up to that dimension's.
    """
    base, score = fit_score(base_value), fit_score(output)
    span = output - base_value
    if abs(span) > 1e-9:
        factor = (score - base) / span
    else:  # no change: the slope of the score at the base value
        factor = base * (1 - base / 100.0)
    return base, {k: float(v) * factor for k, v in values.items()}, score
