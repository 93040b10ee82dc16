"""Resumes: a structured profile from a resume's text (``ml.resume_files`` reads the file).

The profile holds skills (taxonomy aliases, plus MiniLM matching of the skills section when an
embedder is given), jobs with dates, total and relevant years, education, links,
gaps and short tenures. Parsing is heuristic by nature; every field is optional.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np

SHORT_TENURE_MONTHS = 12
GAP_MONTHS = 6


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


# ----------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Taxonomy:
    """Canonical skills with categories and aliases (data/skills_taxonomy.json)."""

    skills: dict[str, str]  # name -> category
    aliases: dict[str, str]  # lower-case alias -> name

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        data = json.loads(path.read_text(encoding="utf-8"))
        skills = {s["name"]: s["category"] for s in data["skills"]}
        aliases = {a.lower(): s["name"] for s in data["skills"] for a in s["aliases"]}
        return cls(skills, aliases)

    def pattern(self) -> re.Pattern[str]:
        # Longest alias first so "spring boot" wins over "spring"; no letter may touch it.
        options = sorted(self.aliases, key=len, reverse=True)
        joined = "|".join(re.escape(a) for a in options)
        return re.compile(rf"(?<![\w+#.])(?:{joined})(?![\w+#])", re.IGNORECASE)


# ----------------------------------------------------------------------------- parsing

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
# Whole month names only: "Marketing 2015" must not read as March 2015.
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_MONTH = rf"(?<![a-z]){_MONTH_NAME}"
_YEAR = r"(?:(?<!\d)(?:19|20)\d{2}(?!\d)|['’]\s?\d{2}(?!\d))"  # 2017, or '17 with its apostrophe
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_MONTH_YEAR = (
    rf"(?:(?<![\w/]){_DAY}[\s-]*{_MONTH_NAME}[\s,'’-]*{_YEAR}"  # 16th Jan 2017, 6thMay 2012
    rf"|{_MONTH}[\s,'’-]*(?:{_DAY}['’]?[\s,]+)?{_YEAR})"  # Jan 2017, Sept' 2017, Aug 29th' 2005
)
_POINT = (
    rf"(?:{_MONTH_YEAR}"
    r"|(?<![\d/.])\d{1,2}/\d{1,2}/\d{4}(?!\d)|(?<![\d/.])\d{1,2}/\d{4}(?!\d)"
    r"|(?<![\d/.-])\d{4}-(?:0[1-9]|1[0-2])(?![\d/-])"  # ISO months: 2015-01
    rf"|{_YEAR})"
)
_NOW = (
    r"(?:present|current(?:ly)?|now|today|date|continuing"
    r"|still(?:\s+(?:on\s*-?\s*going|working))?|on\s*-?\s*going)(?![a-z])"
)
_TO = (
    r"\s*(?:[-–—~]+|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b|\bup\s?to\b)"
    r"\s*(?:(?:till|to)\s+)?"  # "to till date", "- till 30th Aug 2018"
)
_RANGE = re.compile(rf"(?P<start>{_POINT}){_TO}(?P<end>{_POINT}|{_NOW})", re.IGNORECASE)
# "Jan 2015 Nov 2016" (table columns): only two month-year points may go without a dash.
_PAIR = re.compile(rf"(?P<start>{_MONTH_YEAR})\s+(?P<end>{_MONTH_YEAR})", re.IGNORECASE)
_SINCE = re.compile(rf"\bsince\s+(?P<start>{_POINT})", re.IGNORECASE)

# Degree names that are never a job title or a product ("Scrum Master", "MS Office" are).
_STRONG_DEGREE = (
    r"(?i:\bbachelor|\bdoctor(?:ate|al\s+degree|\s+of)\b|\bdiploma\b"
    r"|\bassociate(?:'s|’s)?\s+(?:degree|of\s+(?:arts|science|applied))"
    r"|(?<!scrum\s)\bmaster(?:'s|’s|s)?(?=\s+(?:of|in|degree)\b|\s*[,(|]|\s*$)"
    r"|\bpost\s?-?graduate\s+(?:diploma|program|programme|degree)"
    r"|\b(?:b\.?\s?sc|m\.?\s?sc|b\.?\s?-?\s?tech|m\.?\s?-?\s?tech|b\.?\s?com|m\.?\s?com"
    r"|b\.?\s?eng|m\.?\s?eng|b\.?\s?arch|m\.arch|b\.?\s?pharm|m\.?\s?pharm|m\.?\s?phil"
    r"|ph\.?\s?d|ll\.?\s?[bm]|[bm]\.\s?ed|mba|bba|bca|mca|bfa|mfa|bsn|mbbs|pgdm)(?![a-z]))"
    r"|\bPGP(?=\s+in\b)"
    # Dotted short degrees, but not initials: "M.E.S High School", "G.M. Arts", "S.S.P.M.S".
    r"|(?<![.\w])[BM]\.\s?[AES]\.?(?!\.?[A-Za-z])"
)
# Undotted short degrees only in capitals and followed by a field, or "be", "ma" in prose
# would match; they never decide that a dated line is not a job ("BA" is a business analyst).
_WEAK_DEGREE = (
    r"\b(?:BA|MA|BS|MS|BE|ME)\b"
    r"(?!(?i:\s*-?\s*(?:office|excel|word|sql|access|project|power\s?point|outlook|visio"
    r"|dynamics|teams|windows|dos|paint|azure|exchange|sharepoint|crm)\b))"
    r"(?=\s*(?:\(|,|\bin\b|\bof\b|[-–]\s|&|\s[A-Z]))"
)
_STRONG = re.compile(_STRONG_DEGREE)
_DEGREE = re.compile(f"{_STRONG_DEGREE}|{_WEAK_DEGREE}")
_SCHOOL = re.compile(
    r"\b(?:university|college|school|institute|academy|polytechnic|c?gpa|graduat\w*)\b", re.I
)
_WORK_WORD = re.compile(
    r"\b(?:intern|assistant|engineer|developer|manager|analyst|lecturer|professor|teacher|tutor"
    r"|research(?:er)?|scientist|consultant|designer|officer|director|associate|lead|head"
    r"|specialist|coordinator|administrator|executive|architect|trainee|worked|working"
    r"|employed|fellow)\b",
    re.I,
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s,;()<>]+|(?:linkedin\.com|github\.com)/[^\s,;()<>]+", re.IGNORECASE
)

# Section headings, normalised (lower case, letters only, "&" as "and"). Dates in work
# sections are jobs; in education and other sections (projects, certifications, skills,
# activities) they are not.
_WORK, _EDUCATION, _OTHER = "work", "education", "other"
_HEADINGS: dict[str, str] = {
    **dict.fromkeys(
        (
            "experience",
            "work experience",
            "professional experience",
            "relevant experience",
            "research experience",
            "teaching experience",
            "industry experience",
            "working experience",
            "work history",
            "employment",
            "employment history",
            "employment details",
            "career history",
            "professional history",
            "career",
            "career progression",
            "internships",
            "internship",
            "internship experience",
            "company details",
            "experience details",
            "professional background",
            "positions held",
        ),
        _WORK,
    ),
    **dict.fromkeys(
        (
            "education",
            "education details",
            "educational details",
            "academic details",
            "educational qualification",
            "educational qualifications",
            "academic qualification",
            "academic qualifications",
            "qualification",
            "qualifications",
            "academics",
            "academic background",
            "educational background",
            "academic profile",
            "academia",
            "education and training",
            "education and qualifications",
            "degrees",
        ),
        _EDUCATION,
    ),
    **dict.fromkeys(
        (
            "skills",
            "skill details",
            "technical skills",
            "key skills",
            "core skills",
            "skill set",
            "skillset",
            "core competencies",
            "competencies",
            "technical expertise",
            "projects",
            "academic projects",
            "personal projects",
            "side projects",
            "selected projects",
            "key projects",
            "major projects",
            "open source",
            "certifications",
            "certification",
            "certificates",
            "licenses and certifications",
            "licences and certifications",
            "courses",
            "coursework",
            "relevant coursework",
            "training",
            "trainings",
            "training and certifications",
            "awards",
            "honors",
            "honours",
            "honors and awards",
            "awards and honors",
            "achievements",
            "accomplishments",
            "publications",
            "patents",
            "languages",
            "interests",
            "hobbies",
            "hobbies and interests",
            "references",
            "volunteer",
            "volunteering",
            "volunteer experience",
            "volunteer work",
            "activities",
            "extracurricular activities",
            "extra curricular activities",
            "leadership",
            "leadership and activities",
            "summary",
            "professional summary",
            "profile",
            "objective",
            "career objective",
            "about me",
            "personal details",
            "personal information",
            "declaration",
            "strengths",
        ),
        _OTHER,
    ),
}
# Headings glued to the end of the previous line, as in resumes flattened to one text
# column ("...Keras- Experience - 6 monthsCompany Details").
_TRAILING_HEADING = re.compile(r"(education|company|skill)\s+details\s*$", re.IGNORECASE)
_INLINE_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z &/]{2,40}?)\s*[:|]\s*(\S.*)$")


def _heading_key(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z ]", " ", text)).strip()


def _sections(lines: list[str]) -> list[tuple[str | None, str]]:
    """Each line's section (work, education, other; None before any heading) and its text
    without an inline heading ("Education: BSc ..." is education, "BSc ...")."""
    section: str | None = None
    out: list[tuple[str | None, str]] = []
    for line in lines:
        text = line
        if (kind := _HEADINGS.get(_heading_key(line))) is not None:
            section, text = kind, ""
        elif (m := _INLINE_HEADING.match(line)) and _heading_key(m.group(1)) in _HEADINGS:
            section, text = _HEADINGS[_heading_key(m.group(1))], m.group(2)
        out.append((section, text))
        if m := _TRAILING_HEADING.search(line):
            section = _HEADINGS[_heading_key(m.group(0))]
    return out


def _is_job_line(section: str | None, line: str) -> bool:
    """Whether a dated line in ``section`` is a job and not studies, a project or a course."""
    if section in (_EDUCATION, _OTHER):
        return False
    if _STRONG.search(line):
        return False  # "B.S. Computer Science, 2012 - 2016", even under Experience
    if section is None:
        # No heading yet: only the wording tells studies from work.
        return not _DEGREE.search(line) and not (
            _SCHOOL.search(line) and not _WORK_WORD.search(line)
        )
    return True


@dataclass(frozen=True)
class Job:
    title: str | None
    employer: str | None
    start: date
    end: date
    months: int


@dataclass(frozen=True)
class ResumeProfile:
    skills: list[str]
    skill_categories: dict[str, str]
    jobs: list[Job]
    total_years: float
    relevant_years: float
    education: list[str]
    links: list[str]
    gaps_months: list[int]
    short_tenures: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for job in data["jobs"]:
            job["start"], job["end"] = job["start"].isoformat(), job["end"].isoformat()
        return data


def _year(text: str, today: date) -> int:
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4:
        return int(digits)
    # A two-digit year ('19) is this century unless that would lie in the future.
    year = 2000 + int(digits)
    return year if year <= today.year + 1 else year - 100


def _point(text: str, today: date, *, end: bool) -> date | None:
    text = text.strip().lower().rstrip(".")
    if re.fullmatch(_NOW, text):
        return today
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        # Day first (20/07/2015) unless that cannot be (07/20/2015).
        first, second = int(m.group(1)), int(m.group(2))
        month = second if second <= 12 else first
        return date(int(m.group(3)), month, 1) if 1 <= month <= 12 else None
    if m := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        month = int(m.group(1))
        return date(int(m.group(2)), month, 1) if 1 <= month <= 12 else None
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return date(int(m.group(1)), int(m.group(2)), 1)
    if m := re.search(_MONTH_NAME, text):  # the matched point only, so "6thMay" is fine
        year = re.search(_YEAR, text[m.end() :]) or re.search(_YEAR, text)
        if year is None:
            return None
        return date(_year(year.group(0), today), _MONTHS[m.group(0)[:3]], 1)
    if re.fullmatch(_YEAR, text):
        # A bare year: count it as the whole year for an end, from January for a start.
        return date(_year(text, today), 12 if end else 1, 1)
    return None


def _months(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def _title_employer(line: str, span: tuple[int, int]) -> tuple[str | None, str | None]:
    head = line[: span[0]] + " " + line[span[1] :]
    head = re.sub(r"\([^)]*\)?", " ", head)  # "(Series A startup)" says what, not who
    head = re.sub(r"\bsince\b", " ", head, flags=re.IGNORECASE)
    head = re.sub(r"\s+", " ", head).strip(" -–—|·,:;")
    for sep in (" — ", " – ", " at ", " @ ", " | ", " - ", ", "):
        if sep in head:
            title, employer = head.split(sep, 1)
            return title.strip(" -–—|·,") or None, employer.strip(" -–—|·,") or None
    return (head or None), None


def _dated_spans(line: str, today: date) -> list[tuple[date, date, tuple[int, int]]]:
    """Every (start, end, span) date range on a line; 'since X' alone runs to ``today``."""
    found: list[tuple[date, date, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    matches = list(_RANGE.finditer(line)) or list(_PAIR.finditer(line))
    for m in matches:
        start = _point(m.group("start"), today, end=False)
        end = _point(m.group("end"), today, end=True)
        taken.append(m.span())
        if start is not None and end is not None:
            found.append((start, end, m.span()))
    for m in _SINCE.finditer(line):
        if any(a <= m.start("start") < b for a, b in taken):
            continue
        start = _point(m.group("start"), today, end=False)
        if start is not None:
            found.append((start, today, m.span()))
    return found


def parse_resume(
    text: str,
    taxonomy: Taxonomy,
    *,
    today: date,
    relevant_keywords: list[str] | None = None,
    encoder: TextEncoder | None = None,
) -> ResumeProfile:
    """A structured profile of resume ``text``; ``today`` resolves 'Present'.

    Dated lines count as jobs only in work sections (or before any heading) and never when
    they name a degree, so studies, projects and certifications add no experience.
    """
    found = {taxonomy.aliases[m.group(0).lower()] for m in taxonomy.pattern().finditer(text)}
    if encoder is not None:
        found |= _embedded_skills(text, taxonomy, encoder, found)
    skills = sorted(found)
    lines = text.splitlines()
    sections = _sections(lines)
    # With an Education section, degree names elsewhere are mostly mentions ("taught MBA
    # students"); only a dated degree line outside it is one more entry.
    has_education = any(s == _EDUCATION for s, _ in sections)
    jobs: list[Job] = []
    education: list[str] = []
    for i, (section, line) in enumerate(sections):
        spans = _dated_spans(line, today)
        is_job = bool(spans) and _is_job_line(section, line)
        if (
            _DEGREE.search(line)
            and len(line.strip()) < 200
            and (section == _EDUCATION or not has_education or (spans and not is_job))
        ):
            education.append(line.strip())
        if not is_job:
            continue
        for start, end, span in spans:
            if end < start or start.year < 1960 or start > today:
                continue
            end = min(end, today)
            title, employer = _title_employer(line, span)
            if title is None and i > 0:
                title = lines[i - 1].strip() or None
            jobs.append(Job(title, employer, start, end, _months(start, end)))
    jobs.sort(key=lambda j: j.start)
    total = _union_months(jobs)
    keywords = [k.lower() for k in relevant_keywords or []]
    relevant = (
        _union_months([j for j in jobs if j.title and any(k in j.title.lower() for k in keywords)])
        if keywords
        else total
    )
    links = sorted({u.rstrip(".") for u in _URL.findall(text)})
    return ResumeProfile(
        skills=skills,
        skill_categories={s: taxonomy.skills[s] for s in skills},
        jobs=jobs,
        total_years=round(total / 12, 1),
        relevant_years=round(relevant / 12, 1),
        education=list(dict.fromkeys(education))[:5],
        links=links,
        gaps_months=_gaps(jobs),
        short_tenures=sum(1 for j in jobs if j.months < SHORT_TENURE_MONTHS),
    )


def _gaps(jobs: list[Job]) -> list[int]:
    """Gaps of GAP_MONTHS or more between jobs; a job overlapping another leaves none."""
    gaps: list[int] = []
    covered_to: date | None = None
    for job in sorted(jobs, key=lambda j: j.start):
        if covered_to is not None and (gap := _months(covered_to, job.start)) >= GAP_MONTHS:
            gaps.append(gap)
        covered_to = job.end if covered_to is None else max(covered_to, job.end)
    return gaps


def _union_months(jobs: list[Job]) -> int:
    """Months covered by at least one job (overlapping jobs count once)."""
    covered = 0
    current_end: date | None = None
    for job in sorted(jobs, key=lambda j: j.start):
        if current_end is None or job.start > current_end:
            covered += job.months
            current_end = job.end
        elif job.end > current_end:
            covered += _months(current_end, job.end)
            current_end = job.end
    return covered


def _embedded_skills(
    text: str, taxonomy: Taxonomy, encoder: TextEncoder, already: set[str]
) -> set[str]:
    """Skills phrased differently from any alias, matched by meaning in the skills section."""
    section = re.search(r"skills?\b[:\s]*(.{0,1500})", text, re.IGNORECASE | re.DOTALL)
    if not section:
        return set()
    phrases = [
        p.strip() for p in re.split(r"[,;\n•*|]", section.group(1)) if 2 < len(p.strip()) < 60
    ]
    if not phrases:
        return set()
    names = list(taxonomy.skills)
    similarity = encoder.encode(phrases[:80]) @ encoder.encode(names).T
    best = similarity.argmax(axis=1)
    # 0.8: a paraphrase of the skill's name, not merely the same field.
    return {names[j] for i, j in enumerate(best) if similarity[i, j] >= 0.8} - already
