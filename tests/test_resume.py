"""Resume files (checked by content) and resume parsing, on generated and real resumes."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from ml.resume import MAX_BYTES, ResumeFileError, Taxonomy, extract_text, parse_resume
from ml.synthetic import generate_world
from tests.conftest import require_shared

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TAXONOMY = Taxonomy.load(ROOT / "data" / "skills_taxonomy.json")
TODAY = date(2026, 11, 1)
RESUME = """Ada Lovelace
ada@example.com · https://www.linkedin.com/in/ada-l · github.com/ada

Experience
Senior Backend Engineer — Ledgerly (Series A startup) · Jan 2021 – Present
- Built payments APIs in Python on AWS
Backend Engineer at Copperleaf, 03/2018 - 06/2020
- Kafka pipelines
Intern — Globex · 2017 - 2017

Skills
Python, Postgre SQL, Kubernetes clusters, Kafka, REST APIs

Education
BSc Computer Science, University of Edinburgh (2017)
"""


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in text.splitlines():
        clean = line.replace("—", "-").replace("–", "-").replace("·", "|")
        pdf.multi_cell(0, 6, clean or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_pdf_docx_and_text_are_read_by_content() -> None:
    for data, kind in (
        (_pdf(RESUME), "pdf"),
        (_docx(RESUME), "docx"),
        (RESUME.encode(), "text"),
        (RESUME.encode("utf-16"), "text"),
    ):
        extracted = extract_text(data)
        assert extracted.kind == kind
        assert "Ledgerly" in extracted.text and "Edinburgh" in extracted.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(2000), "Unsupported file type"),
        (b"%PDF-1.4\n" + b"x" * (MAX_BYTES + 1), "larger than 5 MB"),
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj garbage", "damaged"),
        (b"PK\x03\x04not really a zip", "damaged"),
    ],
    ids=["renamed-exe", "6mb", "empty", "broken-pdf", "broken-zip"],
)
def test_bad_files_get_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(ResumeFileError, match=message):
        extract_text(data)


def test_a_pdf_without_text_and_an_encrypted_pdf_are_refused() -> None:
    blank = FPDF()
    blank.add_page()
    with pytest.raises(ResumeFileError, match="No text found"):
        extract_text(bytes(blank.output()))
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_pdf(RESUME))))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(ResumeFileError, match="password-protected"):
        extract_text(locked.getvalue())


def test_a_zip_that_is_not_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ResumeFileError, match="not a Word document"):
        extract_text(out.getvalue())


def test_parse_finds_jobs_years_skills_education_and_links() -> None:
    profile = parse_resume(RESUME, TAXONOMY, today=TODAY, relevant_keywords=["backend"])
    assert {"Python", "SQL", "AWS", "Kafka", "REST APIs", "Kubernetes"} <= set(profile.skills)
    titles = [(j.title, j.employer) for j in profile.jobs]
    assert ("Senior Backend Engineer", "Ledgerly") in titles
    assert ("Backend Engineer", "Copperleaf") in titles
    # 03/2018-06/2020 (27 months) + 01/2021-11/2026 (70 months) as a backend engineer.
    assert profile.relevant_years == pytest.approx(97 / 12, abs=0.1)
    assert profile.total_years > profile.relevant_years
    assert profile.gaps_months == [7]  # June 2020 to January 2021
    assert profile.short_tenures == 1  # the 2017 internship
    assert profile.education == ["BSc Computer Science, University of Edinburgh (2017)"]
    assert "https://www.linkedin.com/in/ada-l" in profile.links
    assert "github.com/ada" in profile.links


def test_the_embedder_catches_skills_spelled_differently() -> None:
    from ml.embeddings import Embedder

    plain = parse_resume(RESUME, TAXONOMY, today=TODAY)
    assert "PostgreSQL" not in plain.skills  # "Postgre SQL" is no alias
    smart = parse_resume(RESUME, TAXONOMY, today=TODAY, encoder=Embedder())
    assert "PostgreSQL" in smart.skills


def test_generated_resumes_parse_back_to_their_features() -> None:
    world = generate_world(1, 40, 11, TODAY)
    musts = {r["id"]: r["role_intelligence"]["must_have_skills"] for r in world.roles}
    errors = []
    for candidate in world.candidates:
        profile = parse_resume(candidate["resume_text"], TAXONOMY, today=TODAY)
        features = candidate["features"]
        must = musts[candidate["role_id"]]
        listed = [
            s for s in must[: round(features["skills_match"] * len(must))] if s in TAXONOMY.skills
        ]
        assert set(listed) <= set(profile.skills), candidate["resume_text"]
        assert profile.jobs
        errors.append(abs(profile.total_years - features["years_experience"]))
    # Years on resumes are whole years, so a year or so of rounding either way.
    assert sorted(errors)[len(errors) // 2] <= 1.5


@pytest.fixture(scope="module")
def real_resumes() -> list[tuple[str, str]]:
    path = SHARED / "resume_dataset_categories.csv"
    require_shared(path)
    seen: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            seen.setdefault(row["Resume"], row["Category"])
    return [(category, text) for text, category in seen.items()]


def test_real_resumes_yield_skills_that_fit_their_category(real_resumes) -> None:
    profiles = [(c, parse_resume(t, TAXONOMY, today=TODAY)) for c, t in real_resumes]
    # Measured: 72 % of the 166 distinct resumes name three or more taxonomy skills.
    assert sum(len(p.skills) >= 3 for _, p in profiles) / len(profiles) >= 0.65
    expected = {
        "Java Developer": "Java",
        "Python Developer": "Python",
        "Data Science": "Machine learning",
        "DevOps Engineer": "DevOps",
        "HR": "People operations",
    }
    for category, skill in expected.items():
        group = [p for c, p in profiles if c == category]
        assert group, category
        share = sum(skill in p.skills for p in group) / len(group)
        assert share >= 0.6, (category, skill, share)


def test_most_taxonomy_skills_occur_in_the_reference_corpora(real_resumes) -> None:
    jobs = SHARED / "job_descriptions_google_job_skills.csv"
    corpus = (jobs.read_text(encoding="utf-8") + " ".join(t for _, t in real_resumes)).lower()
    pattern = TAXONOMY.pattern()
    seen = {TAXONOMY.aliases[m.group(0).lower()] for m in pattern.finditer(corpus)}
    assert len(seen) / len(TAXONOMY.skills) >= 0.7
