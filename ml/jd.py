"""Job descriptions written from a role's intelligence in the company's own voice.

Writing is behind one interface, :class:`JDWriter`. The shipped writer fills templates from
the role intelligence (whose responsibilities were retrieved from similar postings) and the
company's DNA: its mission, values and strongest culture dimensions. A hosted language
model, if one is ever configured, is another ``JDWriter`` and changes nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

# What a strong culture dimension (ml.dna.CULTURE_DIMENSIONS) sounds like in a job description.
_CULTURE_VOICE = {
    "ownership": "You will own outcomes, not tickets.",
    "shipping_speed": "We ship small changes often and learn from real use.",
    "customer_focus": "Everyone here talks to customers.",
    "rigour": "We decide with evidence and care about quality.",
    "candour": "We give direct, kind feedback and share information openly.",
    "collaboration": "We work closely together, with low ego and shared credit.",
    "frugality": "We spend carefully and do a lot with a little.",
    "long_term": "We build for the long term.",
}


@dataclass(frozen=True)
class CompanyVoice:
    """What a job description says about the company, from its StartupOS record and DNA."""

    name: str
    stage_label: str
    industry: str | None = None
    headquarters: str | None = None
    mission: str | None = None
    values: list[str] = field(default_factory=list)
    values_text: str | None = None
    team_size: int | None = None
    culture: list[dict[str, Any]] = field(default_factory=list)  # DNA culture dimensions


@dataclass(frozen=True)
class JDBrief:
    title: str
    intelligence: dict[str, Any]
    voice: CompanyVoice


class JDWriter(Protocol):
    """Anything that turns a brief into job description text."""

    name: str

    def write(self, brief: JDBrief) -> str: ...


@dataclass(frozen=True)
class GeneratedJD:
    text: str
    writer: str
    elapsed_ms: float


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


class TemplateWriter:
    """Plain-text job descriptions from templates; deterministic and local."""

    name = "template-1"

    def write(self, brief: JDBrief) -> str:
        intel, voice = brief.intelligence, brief.voice
        about = f"{voice.name} is a {voice.stage_label}"
        about += f" {voice.industry} company" if voice.industry else " company"
        if voice.headquarters:
            about += f" based in {voice.headquarters}"
        if voice.team_size:
            about += f", {voice.team_size} people strong"
        about += "."
        if voice.mission:
            about += f" Our mission: {voice.mission.strip()}"
        parts = [f"{brief.title} at {voice.name}", about, "The role\n" + intel["mission"]]
        if intel.get("why_now"):
            parts.append("Why we are hiring now\n" + intel["why_now"])
        if intel.get("responsibilities"):
            parts.append("What you will do\n" + _bullets(intel["responsibilities"]))
        outcomes = intel.get("outcomes") or {}
        parts.append(
            "What success looks like\n"
            + _bullets(
                [
                    f"{label}: {outcomes[key]}"
                    for key, label in (("30", "30 days"), ("90", "90 days"), ("365", "A year"))
                    if outcomes.get(key)
                ]
            )
        )
        bring = list(intel.get("must_have_skills") or [])
        years = intel.get("years_experience")
        if years and years != "0-2":
            bring.append(f"{years} years of relevant experience, or equivalent evidence")
        bring += [t[:1].upper() + t[1:] for t in intel.get("stage_traits") or []]
        parts.append("You bring\n" + _bullets(bring))
        if intel.get("nice_to_have_skills"):
            parts.append("Nice to have\n" + _bullets(intel["nice_to_have_skills"]))
        parts.append("How we work\n" + _bullets(self._how_we_work(voice)))
        focus = ", ".join(intel.get("interview_focus") or [])
        parts.append(
            "How we hire\n"
            + (f"Our interviews look at {focus}. " if focus else "")
            + "A person reads every application, and no score ever rejects anyone on its own. "
            "If some of the list above is missing from your experience, apply anyway and "
            "tell us what you would bring instead."
        )
        return "\n\n".join(parts)

    @staticmethod
    def _how_we_work(voice: CompanyVoice) -> list[str]:
        lines = [f"{v}." if not v.endswith(".") else v for v in voice.values[:5]]
        strong = sorted(voice.culture, key=lambda d: -int(d.get("score", 0)))
        lines += [
            _CULTURE_VOICE[d["key"]]
            for d in strong[:2]
            if d.get("key") in _CULTURE_VOICE and int(d.get("score", 0)) >= 50
        ]
        if voice.values_text:
            lines.append(voice.values_text.strip())
        return lines or ["We are a small team that cares about its work and each other."]


def generate_job_description(
    title: str,
    intelligence: dict[str, Any],
    voice: CompanyVoice,
    writer: JDWriter | None = None,
) -> GeneratedJD:
    """Write a job description and measure how long writing took."""
    chosen = writer or TemplateWriter()
    started = time.perf_counter()
    text = chosen.write(JDBrief(title, intelligence, voice))
    elapsed = (time.perf_counter() - started) * 1000
    return GeneratedJD(text, chosen.name, round(elapsed, 2))
