"""Resumes: text out of PDF, DOCX or plain-text files, then a structured profile.

Files are recognised by their content (magic bytes), never by their name. The profile
holds skills (taxonomy aliases, plus MiniLM matching of the skills section when an
embedder is given), jobs with dates, total and relevant years, education, links,
gaps and short tenures. Parsing is heuristic by nature; every field is optional.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MAX_BYTES = 5 * 1024 * 1024
MIN_TEXT_CHARS = 30
SHORT_TENURE_MONTHS = 12
GAP_MONTHS = 6


class ResumeFileError(ValueError):
    """The uploaded file cannot be read as a resume; the message says why, for the user."""


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


# ----------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class ExtractedText:
    kind: str  # "pdf", "docx" or "text"
    text: str
    pages: int


def detect_kind(data: bytes) -> str:
    """'pdf', 'docx' or 'text' from the bytes themselves; ResumeFileError otherwise."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            raise ResumeFileError("The file looks like a damaged Word document.") from None
        raise ResumeFileError(
            "The file is not a Word document: upload your resume as a PDF, a Word document "
            "(.docx) or a plain-text file."
        )
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ResumeFileError(
            "Unsupported file type: upload your resume as a PDF, a Word document (.docx) "
            "or a plain-text file."
        )
    return "text"


def extract_text(data: bytes) -> ExtractedText:
    """The text of a resume file (PDF, DOCX or plain text), checked by content."""
    if not data:
        raise ResumeFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ResumeFileError("The file is larger than 5 MB; upload a smaller copy of your resume.")
    kind = detect_kind(data)
    if kind == "pdf":
        text, pages = _pdf_text(data)
    elif kind == "docx":
        text, pages = _docx_text(data), 1
    else:
        text, pages = _plain_text(data), 1
    text = _tidy(text)
    if len(text) < MIN_TEXT_CHARS:
        raise ResumeFileError(
            "No text found in the file. If it is a scan or a photo, upload a PDF or Word "
            "document whose text can be selected."
        )
    return ExtractedText(kind, text, pages)


def _pdf_text(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ResumeFileError(
                "The PDF is password-protected; save a copy without a password and upload that."
            )
        if len(reader.pages) > 50:
            raise ResumeFileError("The PDF has more than 50 pages; a resume should be shorter.")
        return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)
    except ResumeFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise ResumeFileError("The PDF is damaged and cannot be read.") from None


def _docx_text(data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise ResumeFileError("The Word document is damaged and cannot be read.") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _plain_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _tidy(text: str) -> str:
    # Common mojibake in exported resumes, and runs of blank space.
    text = text.replace("\u00e2\u0080\u0093", "–").replace("\u00e2\u0080\u0099", "'")
    text = text.replace("\u00e2\u00a2", "•")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


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
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_POINT = rf"(?:{_MONTH}\s+\d{{4}}|\d{{1,2}}/\d{{4}}|\d{{4}})"
_NOW = r"(?:present|current|now|today|till date|to date)"
_RANGE = re.compile(
    rf"(?P<start>{_POINT})\s*(?:-|–|—|to|until)\s*(?P<end>{_POINT}|{_NOW})", re.IGNORECASE
)
_DEGREE = re.compile(
    r"(?i:\b(?:b\.?\s?sc|m\.?\s?sc|b\.?\s?tech|m\.?\s?tech|b\.?\s?com|mba|ph\.?\s?d|"
    r"bachelor|master|diploma|meng|beng)\b)"
    # Short degrees only in capitals, or "be" and "ma" in ordinary prose would match.
    r"|\b(?:BA|MA|BS|MS|BE|ME|B\.A|M\.A|B\.E|M\.E|B\.S|M\.S)\b"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s,;()<>]+|(?:linkedin\.com|github\.com)/[^\s,;()<>]+", re.IGNORECASE
)


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


def _point(text: str, today: date, *, end: bool) -> date | None:
    text = text.strip().lower().rstrip(".")
    if re.fullmatch(_NOW, text):
        return today
    if m := re.fullmatch(rf"({_MONTH})\s+(\d{{4}})", text):
        return date(int(m.group(2)), _MONTHS[m.group(1)[:3]], 1)
    if m := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        month = int(m.group(1))
        return date(int(m.group(2)), month, 1) if 1 <= month <= 12 else None
    if re.fullmatch(r"\d{4}", text):
        # A bare year: count it as the whole year for an end, from January for a start.
        return date(int(text), 12 if end else 1, 1)
    return None


def _months(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def _title_employer(line: str, match: re.Match[str]) -> tuple[str | None, str | None]:
    head = line[: match.start()] + " " + line[match.end() :]
    head = re.sub(r"\([^)]*\)?", " ", head)  # "(Series A startup)" says what, not who
    head = re.sub(r"\s+", " ", head).strip(" -–—|·,:")
    for sep in (" — ", " – ", " at ", " @ ", " | ", " - ", ", "):
        if sep in head:
            title, employer = head.split(sep, 1)
            return title.strip(" -–—|·,") or None, employer.strip(" -–—|·,") or None
    return (head or None), None


def parse_resume(
    text: str,
    taxonomy: Taxonomy,
    *,
    today: date,
    relevant_keywords: list[str] | None = None,
    encoder: TextEncoder | None = None,
) -> ResumeProfile:
    """A structured profile of resume ``text``; ``today`` resolves 'Present'."""
    found = {taxonomy.aliases[m.group(0).lower()] for m in taxonomy.pattern().finditer(text)}
    if encoder is not None:
        found |= _embedded_skills(text, taxonomy, encoder, found)
    skills = sorted(found)
    jobs: list[Job] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for match in _RANGE.finditer(line):
            start = _point(match.group("start"), today, end=False)
            end = _point(match.group("end"), today, end=True)
            if start is None or end is None or end < start or start.year < 1960:
                continue
            end = min(end, today)
            title, employer = _title_employer(line, match)
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
    gaps = [
        g
        for g in (_months(a.end, b.start) for a, b in zip(jobs, jobs[1:], strict=False))
        if g >= GAP_MONTHS
    ]
    education = [ln.strip() for ln in lines if _DEGREE.search(ln) and len(ln.strip()) < 200]
    links = sorted({u.rstrip(".") for u in _URL.findall(text)})
    return ResumeProfile(
        skills=skills,
        skill_categories={s: taxonomy.skills[s] for s in skills},
        jobs=jobs,
        total_years=round(total / 12, 1),
        relevant_years=round(relevant / 12, 1),
        education=education[:5],
        links=links,
        gaps_months=gaps,
        short_tenures=sum(1 for j in jobs if j.months < SHORT_TENURE_MONTHS),
    )


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
