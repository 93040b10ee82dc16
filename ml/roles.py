"""Role intelligence: a job title plus the company's DNA becomes a structured role definition.

The role family comes from the title (keywords from the shipped role library, then MiniLM
similarity to each family's description). Skills come from the family's banks in the
library, skills named in the title, and skills that similar real postings ask for. Stage
traits, culture traits and interview focus come from the DNA; responsibilities are the lines
of similar postings that read closest to the role. The same inputs always give the same
definition.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml.dna import STAGE_LABELS, STAGE_ORDER, TextEncoder
from ml.search import VectorIndex

ROLE_MODEL_VERSION = "roles-1.0"
SENIORITY = ("Junior", "Mid-level", "Senior", "Staff")
_SENIORITY_WORDS = (
    # "Manager" alone is often an individual contributor (product, account manager).
    (3, ("staff", "principal", "head of", "director", "vp ", "chief", "engineering manager")),
    (2, ("senior", "sr.", "sr ", "founding", " lead ")),
    (0, ("junior", "jr.", "jr ", "intern", "graduate", "entry", "associate", "apprentice")),
)
_BUILDS = re.compile(r"\b(?:engineer|engineering|developer|programmer)\b")
_YEARS = {0: "0-2", 1: "2+", 2: "5+", 3: "8+"}
_STAGE_TRAITS = {
    0: ("comfort with ambiguity", "bias for shipping", "wears many hats"),
    1: ("comfort with ambiguity", "bias for shipping", "talks to customers"),
    2: ("builds repeatable processes", "owns outcomes, not tasks", "helps hire the team"),
    3: ("scales processes", "mentors others", "clear cross-team communication"),
}
# Below this cosine a posting's line says too little about the role to borrow it.
_LINE_MIN = 0.25
# Two lines this close say the same thing; keep one.
_LINE_SAME = 0.85
# Lines written for startups (the library's, the company's own) win near-ties.
_OWN_BONUS = 0.05
_LINE_MAX = 220
_OWN_SOURCES = ("library", "our roles")


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    department: str
    keywords: tuple[str, ...]
    titles: tuple[str, ...]  # typical job titles of the family
    description: str
    must_have: tuple[str, ...]
    nice_to_have: tuple[str, ...]
    things: tuple[str, ...]
    responsibilities: tuple[str, ...]
    interview_focus: tuple[str, ...]


@dataclass(frozen=True)
class RoleLibrary:
    """Role families with skill banks and responsibilities (data/role_library.json)."""

    families: dict[str, Family]

    @classmethod
    def load(cls, path: Path) -> RoleLibrary:
        data = json.loads(path.read_text(encoding="utf-8"))
        families = {
            key: Family(
                key=key,
                name=f["name"],
                department=f["department"],
                keywords=tuple(f["keywords"]),
                titles=tuple(f["titles"]),
                description=f["description"],
                must_have=tuple(f["must_have"]),
                nice_to_have=tuple(f["nice_to_have"]),
                things=tuple(f["things"]),
                responsibilities=tuple(f["responsibilities"]),
                interview_focus=tuple(f["interview_focus"]),
            )
            for key, f in data["families"].items()
        }
        return cls(families)

    @property
    def departments(self) -> list[str]:
        return sorted({f.department for f in self.families.values()})


@dataclass(frozen=True)
class Posting:
    """A job posting used as a reference: the library's, the company's own, or a corpus's."""

    title: str
    category: str
    responsibilities: tuple[str, ...]
    qualifications: tuple[str, ...] = ()
    source: str = "library"
    employer: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}. {self.category}"


class PostingIndex:
    """Reference postings with MiniLM vectors of their titles, for retrieval by meaning."""

    def __init__(self, encoder_name: str = "") -> None:
        self.encoder_name = encoder_name

    def fit(self, postings: Sequence[Posting], vectors: np.ndarray) -> PostingIndex:
        if len(postings) != len(vectors):
            raise ValueError("one vector per posting")
        self.postings_ = list(postings)
        self.index_ = VectorIndex().fit([str(i) for i in range(len(postings))], vectors)
        return self

    def similar(self, vector: np.ndarray, k: int) -> list[tuple[Posting, float]]:
        if not self.postings_:
            return []
        hits = self.index_.search(vector, k=min(k, len(self.postings_)))
        return [(self.postings_[int(i)], score) for i, score in hits]

    def __len__(self) -> int:
        return len(self.postings_)


def library_postings(library: RoleLibrary) -> list[Posting]:
    """One reference posting per library family."""
    return [
        Posting(
            title=f.description,
            category=f.name,
            responsibilities=f.responsibilities,
            qualifications=f.must_have + f.nice_to_have,
            source="library",
        )
        for f in library.families.values()
    ]


def _lines(cell: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (cell or "").splitlines() if len(line.strip()) > 15)


def postings_from_rows(rows: Sequence[dict[str, str]], source: str) -> list[Posting]:
    """Postings from CSV rows with the columns Title, Category, Responsibilities, Minimum
    Qualifications, Preferred Qualifications (and optionally Company)."""
    out: list[Posting] = []
    for row in rows:
        title = (row.get("Title") or "").strip()
        if not title:
            continue
        out.append(
            Posting(
                title=title,
                category=(row.get("Category") or "").strip(),
                responsibilities=_lines(row.get("Responsibilities", "")),
                qualifications=_lines(row.get("Minimum Qualifications", ""))
                + _lines(row.get("Preferred Qualifications", "")),
                source=source,
                employer=(row.get("Company") or "").strip(),
            )
        )
    return out


def fit_posting_index(postings: Sequence[Posting], encoder: TextEncoder) -> PostingIndex:
    vectors = encoder.encode([p.text for p in postings])
    return PostingIndex(getattr(encoder, "name", "")).fit(postings, vectors)


@dataclass(frozen=True)
class RoleIntelligence:
    version: str
    family: str
    family_name: str
    department: str
    seniority: str
    level: int
    mission: str
    outcomes: dict[str, str]
    must_have_skills: list[str]
    nice_to_have_skills: list[str]
    stage_traits: list[str]
    culture_traits: list[str]
    interview_focus: list[str]
    responsibilities: list[str]
    years_experience: str
    why_now: str | None = None
    references: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def seniority_of(title: str) -> int:
    """0 junior … 3 staff/lead, from the words of the title; mid-level when none says."""
    padded = f" {title.lower()} "
    for level, words in _SENIORITY_WORDS:
        if any(w in padded for w in words):
            return level
    return 1


def classify_family(
    title: str,
    library: RoleLibrary,
    encoder: TextEncoder,
    department: str | None = None,
) -> tuple[Family, float]:
    """The library family a title belongs to, with the cosine that decided it.

    Each family's cosine is that of its nearest typical title. A keyword in the title adds
    0.3, "engineer" or "developer" adds 0.15 to the engineering families, and a matching
    department 0.1, so "Backend Engineer" is backend even where MiniLM finds "full-stack"
    as close, and "Payments Engineer" is not a people role because "payments" sounds like
    "pay".
    """
    families = list(library.families.values())
    # Nearest typical title (or the description) of each family, by MiniLM cosine.
    texts = [t for f in families for t in (f.description, *f.titles)]
    vectors = encoder.encode([title, *texts])
    similarity = vectors[1:] @ vectors[0]
    cosine, start = [], 0
    for family in families:
        end = start + 1 + len(family.titles)
        cosine.append(float(similarity[start:end].max()))
        start = end
    padded = f" {title.lower()} "
    scores = []
    for family, cos in zip(families, cosine, strict=True):
        score = cos
        if any(k in padded for k in family.keywords):
            score += 0.3
        if family.department == "Engineering" and _BUILDS.search(padded):
            score += 0.15
        if department and family.department.lower() == department.strip().lower():
            score += 0.1
        scores.append(score)
    best = int(np.argmax(scores))
    return families[best], float(cosine[best])


def _skills_in(text: str, pattern: re.Pattern[str], aliases: dict[str, str]) -> list[str]:
    found: list[str] = []
    for match in pattern.finditer(text):
        name = aliases.get(match.group(0).lower())
        if name and name not in found:
            found.append(name)
    return found


def _pick_lines(
    candidates: list[tuple[str, str]], query: np.ndarray, encoder: TextEncoder, n: int
) -> list[str]:
    """The ``n`` lines closest to the role, without two that say the same thing."""
    if not candidates:
        return []
    vectors = encoder.encode([line for line, _ in candidates])
    bonus = np.array([_OWN_BONUS if source in _OWN_SOURCES else 0.0 for _, source in candidates])
    relevance = vectors @ query + bonus
    order = np.argsort(-relevance, kind="stable")
    chosen: list[int] = []
    for i in order:
        if float(relevance[i]) < _LINE_MIN and len(chosen) >= 3:
            break
        if all(float(vectors[i] @ vectors[j]) < _LINE_SAME for j in chosen):
            chosen.append(int(i))
        if len(chosen) == n:
            break
    return [candidates[i][0] for i in chosen]


def define_role(
    title: str,
    *,
    library: RoleLibrary,
    encoder: TextEncoder,
    skills_pattern: re.Pattern[str],
    skill_aliases: dict[str, str],
    dna: dict[str, Any] | None = None,
    mission: str | None = None,
    department: str | None = None,
    references: Sequence[PostingIndex] = (),
) -> RoleIntelligence:
    """The structured definition of a role titled ``title`` at a company with ``dna``."""
    title = " ".join(title.split())
    if not title:
        raise ValueError("a role needs a title")
    dna = dna or {}
    family, _ = classify_family(title, library, encoder, department)
    level = seniority_of(title)
    stage = dna.get("stage") or "seed"
    stage_index = min(STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 1, 3)
    query = encoder.encode([f"{title}. {family.description}"])[0]

    similar = sorted(
        (hit for index in references for hit in index.similar(query, k=8)),
        key=lambda hit: -hit[1],
    )[:8]
    lines: list[tuple[str, str]] = [(line, "library") for line in family.responsibilities]
    asked: Counter[str] = Counter()
    for posting, _ in similar:
        for line in posting.responsibilities:
            # Another employer's own name makes a line theirs, not ours.
            theirs = posting.employer and posting.employer.lower() in line.lower()
            if not theirs and len(line) <= _LINE_MAX:
                lines.append((line, posting.source))
        asked.update(
            set(_skills_in(" ".join(posting.qualifications), skills_pattern, skill_aliases))
        )
    responsibilities = _pick_lines(lines, query, encoder, 6)

    in_title = _skills_in(title, skills_pattern, skill_aliases)
    must = list(dict.fromkeys(in_title + list(family.must_have)))[:7]
    popular = [s for s, n in asked.most_common() if n >= 2 and s not in must]
    nice = list(dict.fromkeys([*family.nice_to_have, *popular]))
    if level >= 2:
        nice = ["Mentoring", *[s for s in nice if s != "Mentoring"]]
    if level == 3:
        must.append("Leadership")
    nice = [s for s in nice if s not in must]
    culture = sorted(dna.get("culture") or [], key=lambda d: -int(d.get("score", 0)))
    culture_traits = [d["name"] for d in culture[:3] if int(d.get("score", 0)) >= 50]

    thing = _closest(family.things, query, encoder)
    stage_word = STAGE_LABELS.get(stage, stage)
    purpose = _lower_first(mission.strip().rstrip(".")) if mission else "build the company"
    why_now = _why_now(title, family, dna, encoder)
    focus = list(family.interview_focus[:2])
    if culture_traits:
        focus.append(f"culture: {culture_traits[0].lower()}")
    focus.append(f"stage fit ({stage_word})")
    return RoleIntelligence(
        version=ROLE_MODEL_VERSION,
        family=family.key,
        family_name=family.name,
        department=(department or "").strip() or family.department,
        seniority=SENIORITY[level],
        level=level,
        mission=f"Own {thing} at a {stage_word} company as we work to {purpose}.",
        outcomes={
            "30": f"Learn how {thing} works today, meet every team member and ship a first "
            "small improvement.",
            "90": f"Own {thing} end to end, with a written plan for the next two quarters.",
            "365": f"Make {thing} a strength customers notice"
            + (", and help hire and mentor the next teammates." if level >= 2 else ".")
            + (" Help shape how we work as the team grows." if stage_index <= 1 else ""),
        },
        must_have_skills=must,
        nice_to_have_skills=nice[:6],
        stage_traits=list(_STAGE_TRAITS[stage_index]),
        culture_traits=culture_traits,
        interview_focus=focus,
        responsibilities=responsibilities,
        years_experience=_YEARS[level],
        why_now=why_now,
        references=[
            {"title": p.title, "source": p.source, "similarity": round(s, 3)}
            for p, s in similar[:5]
        ],
    )


def _closest(options: Sequence[str], query: np.ndarray, encoder: TextEncoder) -> str:
    vectors = encoder.encode(list(options))
    return options[int(np.argmax(vectors @ query))]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _why_now(title: str, family: Family, dna: dict[str, Any], encoder: TextEncoder) -> str | None:
    """The DNA hiring priority this role answers, if one matches it closely."""
    priorities = dna.get("hiring_priorities") or []
    if not priorities:
        return None
    vectors = encoder.encode([title] + [p["title"] for p in priorities])
    cosine = vectors[1:] @ vectors[0]
    best = int(np.argmax(cosine))
    same_department = priorities[best].get("department") == family.department
    if cosine[best] >= 0.75 or (cosine[best] >= 0.5 and same_department):
        return str(priorities[best]["reason"])
    return None
