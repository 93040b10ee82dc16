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

from ml.resume import Taxonomy, parse_resume
from ml.resume_files import MAX_BYTES, MAX_TEXT_CHARS, ResumeFileError, extract_text
from ml.synthetic import generate_world
from tests import hostile_files
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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: hostile_files.pdf_text_runs(200_000), "drawing instructions"),
        (lambda: hostile_files.pdf_text_runs(30_000), "20,000 separate pieces"),
        (lambda: hostile_files.pdf_text_in_a_form(200_000), "drawing instructions"),
        (lambda: hostile_files.pdf_many_operators(250_000), "drawing instructions"),
        (lambda: hostile_files.pdf_flate_bomb(100 << 20), "unpacks to far more"),
        (lambda: hostile_files.docx_bomb(64 << 20), "unpacks to far more"),
        (lambda: hostile_files.docx_many_paragraphs(2_000_000), "unpacks to far more"),
        (lambda: hostile_files.docx_many_paragraphs(200_000), "10,000 paragraphs"),
        (lambda: hostile_files.docx_many_parts(1_200), "1,000 parts"),
        (lambda: ("Jordan Rivera, engineer. " * 5_000).encode(), "100,000 characters"),
    ],
    ids=[
        "pdf-200k-text-runs",
        "pdf-30k-text-runs",
        "pdf-runs-in-a-form",
        "pdf-250k-operators",
        "pdf-flate-bomb",
        "docx-bomb",
        "docx-2m-paragraphs",
        "docx-200k-paragraphs",
        "docx-1200-parts",
        "text-125k-chars",
    ],
)
def test_hostile_files_are_refused_with_a_plain_message(make, message: str) -> None:  # noqa: ANN001
    """Files built to cost the parser seconds or gigabytes stop at a bound, before the
    expensive step, with a message for the applicant (not a traceback)."""
    with pytest.raises(ResumeFileError, match=message) as refused:
        extract_text(make())
    assert "Traceback" not in str(refused.value) and "/" not in str(refused.value)


def test_the_bounds_leave_room_for_a_long_real_resume() -> None:
    """Ten pages of resume (as PDF, Word and text) pass every bound."""
    long_resume = "\n".join([RESUME] + [f"- Led project {i} on payments" for i in range(400)])
    assert len(long_resume) < MAX_TEXT_CHARS
    for data in (_pdf(long_resume), _docx(long_resume), long_resume.encode()):
        extracted = extract_text(data)
        assert "Led project 399" in extracted.text
    assert extract_text(_pdf(long_resume)).pages >= 8


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


# ----------------------------------------------------------------------------- issue #11: dates
JOB = "Platform Engineer, Acme, Jan 2020 - Present"  # 82 months to TODAY
ISSUE_11 = """Sam Lee
Experience
Software Engineer at Acme, Jan 2020 - Present

Education
B.S. Computer Science, State University, 2012 - 2016
"""


def test_a_degree_dated_under_education_is_not_a_job() -> None:
    """Issue #11: a 2012-2016 B.S. became 59 months of (relevant) experience."""
    profile = parse_resume(
        ISSUE_11, TAXONOMY, today=TODAY, relevant_keywords=["computer", "engineer"]
    )
    assert [(j.title, j.employer, j.start, j.end) for j in profile.jobs] == [
        ("Software Engineer", "Acme", date(2020, 1, 1), TODAY)
    ]
    assert profile.total_years == profile.relevant_years == round(82 / 12, 1)
    assert profile.gaps_months == []
    assert profile.education == ["B.S. Computer Science, State University, 2012 - 2016"]


@pytest.mark.parametrize(
    "text",
    [
        f"Experience\n{JOB}\n\nEducation\nBSc Physics, University of Bath, 2012 - 2016",
        f"EDUCATION\nM.Sc. Data Science, Leeds, Sep 2014 – Sep 2015\n\nWORK EXPERIENCE\n{JOB}",
        f"Experience\n{JOB}\nMBA, INSEAD, 2017 - 2018",
        f"Bachelor of Arts in Economics, Boston College, 2012 - 2016\n{JOB}",
        f"Experience\n{JOB}\nProjects\nOpen-source charting library (2017 - 2019)",
        f"Experience\n{JOB}\nCertifications\nAWS Solutions Architect – Associate, 2019 - 2022",
        f"Experience\n{JOB}\nLeadership & Activities\nPresident, Robotics Club, 2015 - 2017",
        f"Skills\nPython (2016 - present), Go (2018 - present)\nExperience\n{JOB}",
        f"Education: BSc Economics, LSE, 2010-2013\nExperience: {JOB}",
        "Skills * SQL * Excel Education Details \nMay 2013 to May 2017 B.E Computer Science Pune"
        "\nSkill Details \nSQL- Experience - 24 monthsCompany Details \ncompany - Acme\n"
        "description - Jan 2020 to till date",
    ],
    ids=[
        "education-after",
        "education-first",
        "degree-in-experience",
        "degree-without-heading",
        "projects",
        "certifications",
        "activities",
        "skills",
        "inline-headings",
        "flattened-headings",
    ],
)
def test_dated_studies_projects_certificates_and_activities_are_not_jobs(text: str) -> None:
    profile = parse_resume(text, TAXONOMY, today=TODAY)
    assert [(j.start, j.end) for j in profile.jobs] == [(date(2020, 1, 1), TODAY)]
    assert profile.total_years == round(82 / 12, 1)


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("Account Executive — Salesloft — Aug '19 – Present", date(2019, 8, 1), TODAY),
        (
            "Sales Manager. (16th Jan 2017 to till 30th Aug 2018)",
            date(2017, 1, 1),
            date(2018, 8, 1),
        ),
        ("Period: 1st Sept 2011 to 6thMay 2012.", date(2011, 9, 1), date(2012, 5, 1)),
        ("Staff Nurse | St. Mary's | 2015-01 to 2018-02", date(2015, 1, 1), date(2018, 2, 1)),
        ("Nurse Manager | City Clinic | 03/2018 - 06/2020", date(2018, 3, 1), date(2020, 6, 1)),
        ("Asst. Professor 20/07/2015 - 31/05/2016", date(2015, 7, 1), date(2016, 5, 1)),
        ("Career Progression: March 2016 to Still on going", date(2016, 3, 1), TODAY),
        (
            "Working at Nova since MAY 2018 to TILL DATE as a CIVIL ENGINEER",
            date(2018, 5, 1),
            TODAY,
        ),
        ("Product Manager at Zed Payments since March 2019", date(2019, 3, 1), TODAY),
        ("Head of Operations, Acme, May 2022 – Current", date(2022, 5, 1), TODAY),
        ("description - Jan 2015 Nov 2016", date(2015, 1, 1), date(2016, 11, 1)),
        ("Senior Developer, Siemens, Sept. 2016 – Dec. 2020", date(2016, 9, 1), date(2020, 12, 1)),
        (
            "Dell Computer Corporation, Aug 29th' 2005 till Feb '2007.",
            date(2005, 8, 1),
            date(2007, 2, 1),
        ),
        ("Marketing Manager, Acme, 2015 - 2017", date(2015, 1, 1), date(2017, 12, 1)),
    ],
)
def test_job_dates_are_read_in_many_notations(line: str, start: date, end: date) -> None:
    profile = parse_resume(f"Experience\n{line}", TAXONOMY, today=TODAY)
    assert [(j.start, j.end) for j in profile.jobs] == [(start, end)]


def test_job_titles_and_products_are_not_degrees() -> None:
    text = """Experience
Scrum Master, ING, Apr 2019 - Present
Postdoctoral Researcher, MIT, 2016 - 2019
Skills
MS Office, MS SQL Server
Education
SSC, M.E.S Boys High School
Ph.D. Physics, Caltech, 2011 - 2016
Associate of Arts, Santa Monica College
"""
    profile = parse_resume(text, TAXONOMY, today=TODAY)
    assert [j.title for j in profile.jobs] == ["Postdoctoral Researcher", "Scrum Master"]
    assert profile.education == [
        "Ph.D. Physics, Caltech, 2011 - 2016",
        "Associate of Arts, Santa Monica College",
    ]


def test_a_job_held_alongside_another_leaves_no_gap() -> None:
    text = """Experience
Staff Engineer, Cloudhaven, Mar 2012 - Present
Technical Advisor, Seedcamp, Jan 2014 - Dec 2015
Board Member, Fintech Org, Jan 2020 - Dec 2021
"""
    profile = parse_resume(text, TAXONOMY, today=TODAY)
    assert len(profile.jobs) == 3
    assert profile.gaps_months == []  # every month from March 2012 on is covered
    assert profile.total_years == round(176 / 12, 1)
