"""Risk indicators: concrete, evidenced reasons to look closer at one candidate for one role.

Each indicator names a kind (:data:`RISK_KINDS`), a severity (:data:`SEVERITIES`), a title
and evidence that cites facts from the resume, the role or the company (which jobs, which
skills, which months). They are prompts for a recruiter's question, not a verdict.

Inputs are the parsed resume, the resume text, the role intelligence, the company DNA and
the signals of :func:`ml.fit.extract_signals`. Nothing here reads a name, email, address,
age, graduation year or any protected attribute.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ml.fit import company_stage_index, job_lines, stage_of_line
from ml.resume import GAP_MONTHS, SHORT_TENURE_MONTHS

SEVERITIES: tuple[str, ...] = ("low", "medium", "high")
RISK_KINDS: tuple[str, ...] = (
    "short_tenures",
    "missing_must_have",
    "stage_mismatch",
    "low_culture_alignment",
    "compensation_outside_band",
    "unexplained_gap",
)
_STAGE_NAMES = ("pre-seed", "seed", "Series A", "Series B+", "enterprise")
# A line that says why someone was not employed. Education words need a verb of doing
# ("completed a master's degree") so an ordinary "BSc degree in ..." line does not count.
_GAP_EXPLANATION = re.compile(
    r"\bcareer break\b|\bsabbatical\b|\bgap year\b|"
    r"\b(?:parental|maternity|paternity|family|medical|sick|caring|carer'?s?) leave\b|"
    r"\bcaring for\b|\bcarer\b|\bcaregiv\w*|"
    r"(?<!case )\bstud(?:y|ies|ying)\b|"
    r"\b(?:complet\w*|pursu\w*|finish\w*|earn\w*|took|taking|return\w* to)\b.{0,40}\bdegree\b|"
    r"\btravell?(?:ed|ing)\b|\breloca(?:ted|tion|ting)\b|"
    r"\bhealth (?:reasons?|issues?|leave|break)\b|\billness\b|\brecover(?:y|ing) from\b|"
    r"\bvolunteer(?:ed|ing)?\b",
    re.I,
)
# Expected pay this far outside the band (percent) changes the conversation, not just the
# offer. Integer percentages keep the comparison exact at the threshold.
_COMP_FAR_ABOVE_PCT = 15
_COMP_FAR_BELOW_PCT = 25


@dataclass(frozen=True)
class RiskIndicator:
    kind: str
    severity: str  # "low" | "medium" | "high"
    title: str
    evidence: str

    def __post_init__(self) -> None:
        if self.kind not in RISK_KINDS:
            raise ValueError(f"Unknown risk kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"Unknown severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def assess_risks(
    profile: dict[str, Any],
    resume_text: str,
    role: dict[str, Any],
    dna: dict[str, Any],
    signals: dict[str, float],
    *,
    expected_compensation: int | None = None,
    today: date | None = None,
) -> list[RiskIndicator]:
    """The risk indicators of one candidate for one role, most severe first.

    Rules and thresholds:

    - ``short_tenures``: jobs under 12 months; 2 → medium, 3+ → high. With ``today`` a job
      still held (ending on or after ``today``) is not counted: it is not short yet.
    - ``missing_must_have``: must-have skills absent from the profile (case-insensitive);
      exactly one missing with ≥75% matched → low, ≥50% matched → medium, <50% → high.
    - ``stage_mismatch``: ``stage_experience`` is 0 and no job line names the company's
      stage; medium for pre-seed/seed companies (stage matters most early), low later.
    - ``low_culture_alignment``: ``culture_alignment`` < 0.35 → medium, < 0.20 → high.
    - ``compensation_outside_band``: only with ``expected_compensation`` and a role band;
      more than 15% above the max → high, above the max → medium, more than 25% below the
      min → low (may mean the role is mis-levelled for them).
    - ``unexplained_gap``: a gap of 6+ months between jobs or since the last one → low,
      12+ months → medium. No risk at all when any resume line explains time away
      (career break, sabbatical, parental/family leave, caring, study, travel,
      relocation, health, volunteering); a plain "BSc degree in ..." line is not one.
    """
    found = [
        _short_tenures(profile, signals, today),
        _missing_must_haves(profile, role),
        _stage_mismatch(resume_text, dna, signals),
        _low_culture(dna, signals),
        _compensation(role, expected_compensation),
        _unexplained_gap(profile, resume_text, signals),
    ]
    risks = [r for r in found if r is not None]
    # Stable sort keeps RISK_KINDS order within a severity.
    return sorted(risks, key=lambda r: -SEVERITIES.index(r.severity))


def is_high_risk(risks: list[RiskIndicator]) -> bool:
    """True when any indicator is high, or three or more are medium."""
    severities = [r.severity for r in risks]
    return "high" in severities or severities.count("medium") >= 3


# --------------------------------------------------------------------------- rules


def _short_tenures(
    profile: dict[str, Any], signals: dict[str, float], today: date | None
) -> RiskIndicator | None:
    jobs = list(profile.get("jobs") or [])
    short = [
        j
        for j in jobs
        if int(j.get("months") or 0) < SHORT_TENURE_MONTHS
        and not (today and j.get("end") and date.fromisoformat(str(j["end"])) >= today)
    ]
    if jobs:
        count = len(short)
        listed = "; ".join(f"{_job_name(j)} ({int(j.get('months') or 0)} months)" for j in short)
        evidence = f"{count} of {len(jobs)} jobs lasted under a year: {listed}."
    else:
        # Without parsed jobs only the count is known.
        count = int(profile.get("short_tenures") or signals.get("short_tenures") or 0)
        evidence = f"{count} jobs lasted under a year (job dates not parsed)."
    if count < 2:
        return None
    severity = "high" if count >= 3 else "medium"
    return RiskIndicator("short_tenures", severity, f"{count} short tenures", evidence)


def _missing_must_haves(profile: dict[str, Any], role: dict[str, Any]) -> RiskIndicator | None:
    must = list(role.get("must_have_skills") or [])
    have = {str(s).lower() for s in profile.get("skills") or []}
    missing = [s for s in must if s.lower() not in have]
    if not missing:
        return None
    matched = len(must) - len(missing)
    share = matched / len(must)
    # Integer comparisons keep 3-of-4 exactly at 75%.
    if matched * 2 < len(must):
        severity = "high"
    elif len(missing) == 1 and matched * 4 >= 3 * len(must):
        severity = "low"
    else:
        severity = "medium"
    title = f"Missing {len(missing)} must-have skill{'s' if len(missing) > 1 else ''}"
    evidence = (
        f"Has {matched} of {len(must)} must-have skills ({share:.0%}); "
        f"missing: {', '.join(missing)}."
    )
    return RiskIndicator("missing_must_have", severity, title, evidence)


def _stage_mismatch(
    resume_text: str, dna: dict[str, Any], signals: dict[str, float]
) -> RiskIndicator | None:
    if signals.get("stage_experience", 0.0) >= 1.0:
        return None
    stage = company_stage_index(dna)
    seen = [s for s in (stage_of_line(ln) for ln in job_lines(resume_text)) if s is not None]
    if stage in seen:
        return None
    name = _STAGE_NAMES[stage]
    if seen:
        worked = ", ".join(_STAGE_NAMES[s] for s in sorted(set(seen)))
        evidence = f"No job at a {name} company in the resume; it names: {worked}."
    else:
        evidence = f"No job line names a company stage, so no {name} experience is shown."
    severity = "medium" if stage <= 1 else "low"
    return RiskIndicator("stage_mismatch", severity, f"No {name} experience shown", evidence)


def _low_culture(dna: dict[str, Any], signals: dict[str, float]) -> RiskIndicator | None:
    alignment = float(signals.get("culture_alignment", 0.5))
    if alignment >= 0.35:
        return None
    severity = "high" if alignment < 0.2 else "medium"
    culture = sorted(
        (d for d in dna.get("culture") or [] if d.get("score") is not None),
        key=lambda d: -float(d["score"]),
    )
    strongest = ", ".join(f"{d['name']} ({d['score']}/100)" for d in culture[:2])
    evidence = f"Culture alignment {alignment:.0%}" + (
        f"; the resume shows little of the company's strongest traits: {strongest}."
        if strongest
        else "."
    )
    return RiskIndicator("low_culture_alignment", severity, "Low culture alignment", evidence)


def _compensation(role: dict[str, Any], expected: int | None) -> RiskIndicator | None:
    band = role.get("compensation") or {}
    low, high = band.get("min"), band.get("max")
    if expected is None or (low is None and high is None):
        return None
    unit = f" {band['currency']}" if band.get("currency") else ""
    if low is not None and high is not None:
        shown = f"{low:,}–{high:,}"
    else:
        shown = f"up to {high:,}" if high is not None else f"{low:,}+"
    facts = f"Expects {expected:,}{unit}; the band is {shown}{unit}"
    if high is not None and expected > high:
        over = expected / high - 1
        far = expected * 100 > high * (100 + _COMP_FAR_ABOVE_PCT)
        severity = "high" if far else "medium"
        return RiskIndicator(
            "compensation_outside_band",
            severity,
            "Expected pay above the band",
            f"{facts} ({over:.0%} above the top).",
        )
    if low is not None and expected * 100 < low * (100 - _COMP_FAR_BELOW_PCT):
        under = 1 - expected / low
        return RiskIndicator(
            "compensation_outside_band",
            "low",
            "Expected pay well below the band",
            f"{facts} ({under:.0%} below the bottom): check the level matches.",
        )
    return None


def _unexplained_gap(
    profile: dict[str, Any], resume_text: str, signals: dict[str, float]
) -> RiskIndicator | None:
    gaps = _dated_gaps(profile)
    longest_between = max((m for m, _ in gaps), default=0)
    # The signal also counts time since the last job; it only adds a gap when it is longer.
    trailing = int(signals.get("employment_gap_months") or 0)
    if trailing > longest_between and trailing >= GAP_MONTHS:
        ends = [str(j["end"]) for j in profile.get("jobs") or [] if j.get("end")]
        since = f"since {_month(max(ends))}" if ends else "since the last job"
        gaps.append((trailing, f"no job listed {since}"))
    gaps = [g for g in gaps if g[0] >= GAP_MONTHS]
    if not gaps:
        return None
    if any(_GAP_EXPLANATION.search(line) for line in resume_text.splitlines()):
        return None
    longest = max(m for m, _ in gaps)
    severity = "medium" if longest >= 12 else "low"
    listed = "; ".join(f"{m} months ({what})" for m, what in gaps)
    evidence = f"Gap{'s' if len(gaps) > 1 else ''} of {listed}; the resume gives no reason."
    return RiskIndicator("unexplained_gap", severity, f"{longest}-month gap unexplained", evidence)


def _dated_gaps(profile: dict[str, Any]) -> list[tuple[int, str]]:
    """Gaps of 6+ months between jobs, each with its dates; the profile's bare months if
    jobs carry no dates."""
    jobs = sorted(
        (j for j in profile.get("jobs") or [] if j.get("start") and j.get("end")),
        key=lambda j: str(j["start"]),
    )
    if not jobs:
        return [(int(g), "between jobs") for g in profile.get("gaps_months") or []]
    gaps: list[tuple[int, str]] = []
    covered_to = date.fromisoformat(str(jobs[0]["end"]))
    for job in jobs[1:]:
        start = date.fromisoformat(str(job["start"]))
        months = (start.year - covered_to.year) * 12 + start.month - covered_to.month
        # Overlapping jobs leave no gap: measure from the latest end so far.
        if months >= GAP_MONTHS:
            dates = f"{_month(covered_to.isoformat())} to {_month(str(job['start']))}"
            gaps.append((months, dates))
        covered_to = max(covered_to, date.fromisoformat(str(job["end"])))
    return gaps


def _month(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%b %Y")


def _job_name(job: dict[str, Any]) -> str:
    title = job.get("title") or "Untitled role"
    return f"{title} at {job['employer']}" if job.get("employer") else str(title)
