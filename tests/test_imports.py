"""CSV import of candidates: reading and mapping files, preview, all-or-nothing commit,
idempotent re-import, tenant isolation, audit, the CLI command and the page."""

from __future__ import annotations

import codecs
import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    CandidateImport,
    CandidateStageEvent,
    Company,
    Role,
)
from core.services import auth, candidates, imports
from core.services.errors import PermissionDeniedError, ValidationError
from core.services.imports import ImportRowsError
from tests.helpers import actor_of_role, login_app, run_cli

NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
RESUME = (
    "Experience\nSenior Backend Engineer - Ledgerly | Jan 2020 - Present\n"
    "Skills\nPython, PostgreSQL, Kafka\n"
)
MAPPING = {
    "full_name": "Full Name",
    "email": "E-mail",
    "role": "Job title",
    "status": "Stage",
    "source": "Source",
    "linkedin_url": "LinkedIn",
    "resume_text": "CV text",
}
HEADER = ["Full Name", "E-mail", "Job title", "Stage", "Source", "LinkedIn", "CV text"]


def _someone() -> auth.Actor:
    """A talent lead for the tests that never reach the database."""
    return auth.Actor(None, "t", "T", "talent_lead", uuid.uuid4(), "Nowhere")


def _csv(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> bytes:
    def cell(value: str) -> str:
        if any(ch in value for ch in (sep, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [sep.join(cell(v) for v in row) for row in (header, *rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _email(tag: str = "x") -> str:
    return f"{tag}.{uuid.uuid4().hex[:8]}@example.com"


# --- reading files (no database) ------------------------------------------------------


def test_mapping_is_suggested_from_common_header_names() -> None:
    data = _csv([["Ann Lee", _email(), "", "", "", "", ""]], header=[*HEADER, "Notes"])
    preview = imports.read_csv(_someone(), data, "people.csv")
    assert preview.suggested_mapping == MAPPING
    assert preview.headers == [*HEADER, "Notes"] and preview.total_rows == 1

    other = imports.read_csv(
        _someone(),
        _csv(
            [["Bo", "b@example.com", "x", "y", "z", "w"]],
            header=["Candidate", "Email address", "Position", "Status", "Application source", "CV"],
        ),
        "x.csv",
    )
    assert other.suggested_mapping == {
        "full_name": "Candidate",
        "email": "Email address",
        "role": "Position",
        "status": "Status",
        "source": "Application source",
        "resume_text": "CV",
    }
    # The Candidates page's own export maps back onto itself.
    export_header = ["name", "email", "role", "stage", "source", "fit_score", "applied_at"]
    exported = imports.read_csv(
        _someone(), _csv([["Cy", "c@example.com", "", "", "", "", ""]], export_header), "e.csv"
    )
    assert exported.suggested_mapping == {
        "full_name": "name",
        "email": "email",
        "role": "role",
        "status": "stage",
        "source": "source",
    }


def test_a_semicolon_file_with_a_bom_is_read() -> None:
    text = "Name;Email;Notes\r\nZoë Smith, PhD;zoe@example.com;a, b\r\nLi Wei;li@example.com;\r\n"
    preview = imports.read_csv(_someone(), codecs.BOM_UTF8 + text.encode(), "semi.csv")
    assert preview.delimiter == ";" and preview.encoding == "utf-8"
    assert preview.headers == ["Name", "Email", "Notes"]
    assert preview.rows[0] == ["Zoë Smith, PhD", "zoe@example.com", "a, b"]
    assert preview.total_rows == 2
    assert preview.suggested_mapping == {"full_name": "Name", "email": "Email"}


def test_a_windows_excel_file_and_a_tab_file_are_read() -> None:
    ansi = "Name,Email\r\nRenée Côté,renee@example.com\r\n".encode("cp1252")
    preview = imports.read_csv(_someone(), ansi, "ansi.csv")
    assert preview.encoding == "cp1252" and preview.rows[0][0] == "Renée Côté"
    tabbed = imports.read_csv(_someone(), b"Name\tEmail\nAl Bo\tal@example.com\n", "t.tsv")
    assert tabbed.delimiter == "\t" and tabbed.rows == [["Al Bo", "al@example.com"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (codecs.BOM_UTF8 + b"  \r\n\r\n", "The file is empty."),
        (b"Name,Email\r\n", "header row but no candidate rows"),
        (b"Name,Email\r\n,\r\n\r\n", "header row but no candidate rows"),
        (b"Ann Lee,ann@example.com\r\nBo,bo@example.com\r\n", "looks like a candidate"),
        (b"Name,Email,name\r\nA,a@example.com,x\r\n", "'name' appears twice"),
        (b"Name,,Email\r\nA,,a@example.com\r\n", "Column 2 has no name"),
        (b"Name,Email\r\nA\x00,a@example.com\r\n", "binary data"),
        (b"Name,Email\r\n" + b"x" * (5 * 1024 * 1024), "larger than 5 MB"),
        (
            b"Name,Email\r\n" + b"Ann Lee,ann@example.com\r\n" * (imports.MAX_ROWS + 1),
            "more than 5,000 candidate rows",
        ),
    ],
    ids=[
        "empty",
        "bom-and-blank-lines",
        "header-only",
        "blank-rows-only",
        "no-header",
        "duplicate-header",
        "unnamed-column",
        "binary",
        "over-5mb",
        "over-5000-rows",
    ],
)
def test_unreadable_files_get_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        imports.read_csv(_someone(), data, "bad.csv")
    assert message in str(caught.value)


def test_exactly_5000_rows_are_allowed() -> None:
    data = b"Name,Email\r\n" + b"Ann Lee,ann@example.com\r\n" * imports.MAX_ROWS
    assert imports.read_csv(_someone(), data, "big.csv").total_rows == imports.MAX_ROWS


# --- the database ---------------------------------------------------------------------


def _companies(db: Database) -> tuple[Company, Company]:
    with db.uow() as uow:
        found = list(uow.session.scalars(select(Company).order_by(Company.name)))
    return found[0], found[1]


def _role_titles(db: Database, company_id: uuid.UUID) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Role.title).where(Role.company_id == company_id).order_by(Role.title)
            )
        )


def _counts(db: Database, company_id: uuid.UUID | None = None) -> dict[str, int]:
    """Row counts straight from the tables, independent of the service under test."""
    counted = {}
    with db.uow() as uow:
        for model in (Candidate, CandidateImport, CandidateStageEvent, AuditLog):
            query = select(func.count()).select_from(model)
            if company_id is not None:
                query = query.where(model.company_id == company_id)
            counted[model.__tablename__] = uow.session.scalar(query)
    return counted


def _by_email(db: Database, company_id: uuid.UUID, email: str) -> list[Candidate]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Candidate).where(
                    Candidate.company_id == company_id, Candidate.email == email
                )
            )
        )


@pytest.mark.db
def test_a_good_file_imports_and_importing_it_again_adds_nobody(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id)
    title = _role_titles(world, company.id)[0]
    people = [_email("ann"), _email("bo"), _email("cy")]
    data = _csv(
        [
            ["Ann Lee", people[0].upper(), title.upper(), "Interview", "referral", "", RESUME],
            ["Bo  Chen", people[1], "", "", "", "https://www.linkedin.com/in/bo-chen", ""],
            ["Cy Diaz", people[2], title, "", "", "", ""],
        ]
    )
    plan = imports.preview_import(world.uow(), actor, data, "people.csv", MAPPING)
    assert not plan.errors
    assert [(r.row, r.action) for r in plan.rows] == [(2, "create"), (3, "create"), (4, "create")]
    before = _counts(world, company.id)

    result = imports.commit_import(world.uow(), actor, data, "people.csv", MAPPING, NOW)

    assert (result.created, result.updated, result.unchanged, result.rows_total) == (3, 0, 0, 3)
    after = _counts(world, company.id)
    assert after["candidates"] == before["candidates"] + 3
    assert after["candidate_stage_events"] == before["candidate_stage_events"] + 3
    assert after["candidate_imports"] == before["candidate_imports"] + 1
    ann = _by_email(world, company.id, people[0])
    assert len(ann) == 1, "emails are stored lower-cased"
    ann = ann[0]
    assert ann.full_name == "Ann Lee" and ann.status == "interview"
    assert ann.application_source == "referral" and ann.reference
    assert {"Python", "PostgreSQL", "Kafka"} <= set(ann.resume_profile["skills"])
    with world.uow() as uow:
        assert uow.session.scalar(select(Role.title).where(Role.id == ann.role_id)) == title
        event = uow.session.scalars(
            select(CandidateStageEvent).where(CandidateStageEvent.candidate_id == ann.id)
        ).one()
    assert (event.from_status, event.to_status) == (None, "interview")
    assert event.actor == actor.username and event.reason == "imported from CSV"
    (bo,) = _by_email(world, company.id, people[1])
    assert bo.full_name == "Bo Chen" and bo.status == "applied"
    assert bo.application_source == imports.DEFAULT_SOURCE and bo.role_id is None
    assert bo.linkedin_url == "https://www.linkedin.com/in/bo-chen" and bo.resume_profile is None

    later = NOW + timedelta(minutes=5)
    again = imports.commit_import(world.uow(), actor, data, "people.csv", MAPPING, later)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    final = _counts(world, company.id)
    assert final["candidates"] == after["candidates"]
    assert final["candidate_stage_events"] == after["candidate_stage_events"]
    assert final["candidate_imports"] == after["candidate_imports"] + 1
    history = imports.list_imports(world.uow(), actor)
    assert [(h.id, h.created, h.unchanged, h.filename) for h in history[:2]] == [
        (again.import_id, 0, 3, "people.csv"),
        (result.import_id, 3, 0, "people.csv"),
    ]
    assert all(h.created_at <= later for h in history)


@pytest.mark.db
def test_a_changed_row_updates_its_fields_but_never_its_stage(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id)
    email, other = _email("dee"), _email("eli")
    first = _csv([["Dee Fox", email, "", "", "", "", ""], ["Eli Gu", other, "", "", "", "", ""]])
    imports.commit_import(world.uow(), actor, first, "a.csv", MAPPING, NOW)
    later = NOW + timedelta(days=1)
    changed = _csv(
        [
            ["Dee Fox-Hart", email, "", "hired", "agency", "", RESUME],
            ["Eli Gu", other, "", "rejected", "", "", ""],
        ]
    )
    plan = imports.preview_import(world.uow(), actor, changed, "b.csv", MAPPING)
    assert [(r.action, r.changes) for r in plan.rows] == [
        ("update", ("full_name", "resume_text")),
        ("unchanged", ()),
    ]
    assert plan.stages_kept == 2

    result = imports.commit_import(world.uow(), actor, changed, "b.csv", MAPPING, later)

    assert (result.created, result.updated, result.unchanged, result.stages_kept) == (0, 1, 1, 2)
    (dee,) = _by_email(world, company.id, email)
    assert dee.full_name == "Dee Fox-Hart" and dee.updated_at == later
    assert dee.status == "applied" and dee.application_source == imports.DEFAULT_SOURCE
    assert "Kafka" in dee.resume_profile["skills"]
    (eli,) = _by_email(world, company.id, other)
    assert eli.status == "applied" and eli.updated_at == NOW


@pytest.mark.db
@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        (["Gil Ho", "not-an-email", "", "", "", "", ""], "email", "not a valid email"),
        (["Gil Ho", "", "", "", "", "", ""], "email", "email address is required"),
        (["Gil Ho", None, "No Such Role", "", "", "", ""], "role", "No role titled"),
        (["Gil Ho", "DUP", "", "", "", "", ""], "email", "same email and role are on row 2"),
        (["G", None, "", "", "", "", ""], "full_name", "2 to 120"),
        (["Gil Ho", None, "", "sleeping", "", "", ""], "status", "Unknown stage"),
        (["Gil Ho", None, "", "", "", "javascript:alert(1)", ""], "linkedin_url", "LinkedIn"),
        (["Gil Ho", None, "OTHER", "", "", "", ""], "role", "No role titled"),
    ],
    ids=[
        "bad-email",
        "no-email",
        "unknown-role",
        "duplicate-email",
        "short-name",
        "bad-stage",
        "bad-linkedin",
        "other-companys-role",
    ],
)
def test_one_bad_row_is_reported_and_nothing_is_written(
    world: Database, bad_row: list, field: str, message: str
) -> None:
    company, other = _companies(world)
    actor = actor_of_role(world, company.id)
    first = _email("first")
    foreign = f"Role Only Elsewhere {uuid.uuid4().hex[:6]}"
    with world.uow() as uow:
        uow.session.add(Role(company_id=other.id, title=foreign, status="active"))
        uow.commit()
    row = [{None: _email("bad"), "DUP": first.upper(), "OTHER": foreign}.get(v, v) for v in bad_row]
    data = _csv(
        [["Ann First", first, "", "", "", "", ""], ["Bo Second", _email(), "", "", "", "", ""], row]
    )
    plan = imports.preview_import(world.uow(), actor, data, "bad.csv", MAPPING)
    assert [(e.row, e.field) for e in plan.errors] == [(4, field)]
    assert message in plan.errors[0].message
    assert [r.action for r in plan.rows] == ["create", "create", "error"]
    before = _counts(world)

    with pytest.raises(ImportRowsError) as caught:
        imports.commit_import(world.uow(), actor, data, "bad.csv", MAPPING, NOW)

    assert [(e.row, e.field) for e in caught.value.errors] == [(4, field)]
    assert "row 4" in str(caught.value) and "nothing was imported" in str(caught.value)
    assert _counts(world) == before
    assert _by_email(world, company.id, first) == []


@pytest.mark.db
def test_every_bad_row_is_listed_with_its_own_row_number(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id)
    data = _csv(
        [
            ["Ok Person", _email(), "", "", "", "", ""],
            ["X", "nope", "", "", "", "", ""],
            ["", "", "", "", "", "", ""],  # a blank row is skipped but keeps its number
            ["Ok Person", _email(), "", "", "", "", "", "extra cell"],
        ]
    )
    plan = imports.preview_import(world.uow(), actor, data, "bad.csv", MAPPING)
    assert [(e.row, e.field) for e in plan.errors] == [
        (3, "full_name"),
        (3, "email"),
        (5, "row"),
    ]


@pytest.mark.db
@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"full_name": "Full Name"}, "Choose the column that holds Email"),
        ({"full_name": "Full Name", "email": None}, "Choose the column that holds Email"),
        ({"full_name": "E-mail", "email": "E-mail"}, "mapped to both"),
        ({"full_name": "Full Name", "email": "E-mail", "salary": "Stage"}, "Unknown field"),
        ({"full_name": "Full Name", "email": "Mail"}, "no column 'Mail'"),
    ],
)
def test_a_bad_mapping_is_refused(world: Database, mapping: dict, message: str) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id)
    data = _csv([["Ann Lee", _email(), "", "", "", "", ""]])
    before = _counts(world)
    for call in (
        lambda: imports.preview_import(world.uow(), actor, data, "m.csv", mapping),
        lambda: imports.commit_import(world.uow(), actor, data, "m.csv", mapping, NOW),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert message in str(caught.value)
    assert _counts(world) == before


@pytest.mark.db
def test_another_companys_candidate_with_the_same_email_is_never_touched(
    world: Database,
) -> None:
    company, other = _companies(world)
    with world.uow() as uow:
        theirs = uow.session.scalars(
            select(Candidate).where(Candidate.company_id == other.id).order_by(Candidate.email)
        ).first()
    actor = actor_of_role(world, company.id)
    data = _csv([["Someone Else", theirs.email, "", "", "", "", ""]])
    before_other = _counts(world, other.id)

    plan = imports.preview_import(world.uow(), actor, data, "x.csv", MAPPING)
    assert [r.action for r in plan.rows] == ["create"]
    result = imports.commit_import(world.uow(), actor, data, "x.csv", MAPPING, NOW)

    assert result.created == 1
    assert _counts(world, other.id) == before_other
    (still,) = [c for c in _by_email(world, other.id, theirs.email) if c.id == theirs.id]
    assert (still.full_name, still.updated_at) == (theirs.full_name, theirs.updated_at)
    (ours,) = _by_email(world, company.id, theirs.email.lower())
    assert ours.full_name == "Someone Else"


@pytest.mark.db
def test_the_exported_csv_imports_back_unchanged(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id, "founder")
    exported = candidates.export_csv(world.uow(), actor, NOW).encode()
    preview = imports.read_csv(actor, exported, "candidates.csv")
    before = _counts(world, company.id)

    result = imports.commit_import(
        world.uow(), actor, exported, "candidates.csv", preview.suggested_mapping, NOW
    )

    assert result.rows_total == preview.total_rows == before["candidates"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, preview.total_rows)
    assert _counts(world, company.id)["candidates"] == before["candidates"]


@pytest.mark.db
def test_an_import_writes_one_audit_row_without_personal_data(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id, "founder")
    email = _email("audit")
    data = _csv([["Hana Audit", email, "", "", "", "", ""]])
    with world.uow() as uow:
        before = uow.session.scalar(
            select(func.count()).where(AuditLog.action == "candidate.imported")
        )
    result = imports.commit_import(world.uow(), actor, data, "audit.csv", MAPPING, NOW)
    with world.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(AuditLog).where(
                    AuditLog.action == "candidate.imported",
                    AuditLog.entity_id == str(result.import_id),
                )
            )
        )
        total = uow.session.scalar(
            select(func.count()).where(AuditLog.action == "candidate.imported")
        )
    assert total == before + 1 and len(rows) == 1
    (row,) = rows
    assert row.actor == actor.username and row.company_id == company.id
    assert row.summary == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "stages_kept": 0}
    assert email not in str(row.summary) and "Hana" not in str(row.summary)


@pytest.mark.db
@pytest.mark.parametrize("role", ["interviewer", "employee"])
def test_interviewers_and_employees_may_not_import(world: Database, role: str) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id, role)
    data = _csv([["Ivy Jones", _email(), "", "", "", "", ""]])
    before = _counts(world)
    for call in (
        lambda: imports.read_csv(actor, data, "p.csv"),
        lambda: imports.preview_import(world.uow(), actor, data, "p.csv", MAPPING),
        lambda: imports.commit_import(world.uow(), actor, data, "p.csv", MAPPING, NOW),
        lambda: imports.list_imports(world.uow(), actor),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    assert _counts(world) == before


# --- the command line -----------------------------------------------------------------


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("candidates", "import", *args, url=url)


@pytest.mark.db
def test_the_cli_previews_imports_and_refuses_bad_rows(world: Database, tmp_path: Path) -> None:
    company, _ = _companies(world)
    email = _email("cli")
    good = tmp_path / "good.csv"
    good.write_bytes(
        _csv([["Kai Lund", email, "Lead"]], header=["Candidate", "Contact", "Seniority"])
    )
    before = _counts(world)

    dry = _cli(
        world.url, str(good), "--company", company.name, "--map", "email=Contact", "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["create"] == 1 and plan["errors"] == []
    assert plan["mapping"] == {"full_name": "Candidate", "email": "Contact"}
    assert email not in dry.stdout, "the plan names rows, not people"
    assert _counts(world) == before

    done = _cli(world.url, str(good), "--company", company.name, "--map", "email=Contact")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 1
    assert len(_by_email(world, company.id, email)) == 1

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([["Lu Ma", "x@"], ["Mo Ng", _email()]], header=["Name", "Email"]))
    after = _counts(world)
    failed = _cli(world.url, str(bad), "--company", company.name)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert not report["imported"]
    assert report["errors"] == [
        {"row": 2, "field": "email", "message": "This is not a valid email address."}
    ]
    assert "nothing was imported" in failed.stderr
    assert _counts(world) == after

    unmapped = _cli(world.url, str(good), "--company", company.name)
    assert unmapped.returncode == 2 and "Choose the column that holds Email" in unmapped.stderr
    unknown = _cli(world.url, str(good), "--company", "No Such Company", "--map", "email=Contact")
    assert unknown.returncode == 2 and "No company" in unknown.stderr


# --- the page -------------------------------------------------------------------------


@pytest.mark.db
def test_the_page_uploads_previews_and_imports(world_app: Database) -> None:
    _, company = _companies(world_app)  # the other tests never import into this company
    actor = actor_of_role(world_app, company.id)
    at = login_app(actor.username, "imports")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Import candidates"]
    assert any(i.value == "No imports yet." for i in at.info)

    good, bad = _email("page"), _email("page")
    data = _csv(
        [["Nia Page", good, "", "", "", "", ""], ["O", bad, "", "", "", "", ""]],
    )
    at.file_uploader[0].upload("page.csv", data, "text/csv").run()
    assert not at.exception, at.exception
    picked = {s.label.rstrip(" *"): s.value for s in at.selectbox}
    assert picked["Email"] == "E-mail" and picked["Full name"] == "Full Name"
    assert any("Fix these rows" in e.value for e in at.error)
    assert not [b for b in at.button if b.label.startswith("Import ")]
    (errors,) = [d.value for d in at.dataframe if "Problem" in d.value.columns]
    assert list(errors["Row"]) == [3] and "2 to 120" in errors["Problem"][0]
    before = _counts(world_app, company.id)

    # The fixed file replaces the first one.
    fixed = _csv([["Nia Page", good, "", "", "", "", ""], ["Oz Quinn", bad, "", "", "", "", ""]])
    at.file_uploader[0].set_value(("page.csv", fixed, "text/csv")).run()
    assert not at.exception, at.exception
    assert not at.error
    button = next(b for b in at.button if b.label == "Import 2 candidates")
    at = button.click().run()
    assert not at.exception, at.exception

    assert any("2 new, 0 updated" in s.value for s in at.success)
    after = _counts(world_app, company.id)
    assert after["candidates"] == before["candidates"] + 2
    assert after["candidate_imports"] == before["candidate_imports"] + 1
    assert len(_by_email(world_app, company.id, good)) == 1
    assert at.dataframe[-1].value["New"].tolist() == [2]
    # The file is still there; its preview now says nothing would change.
    assert [m.value for m in at.metric][:3] == ["0", "0", "2"]


@pytest.mark.db
def test_one_email_on_two_roles_imports_as_two_linked_applications(world: Database) -> None:
    company, _ = _companies(world)
    actor = actor_of_role(world, company.id)
    first_role, second_role = _role_titles(world, company.id)[:2]
    email = _email("tworoles")
    data = _csv(
        [
            ["Ivy Two", email, first_role, "", "", "", ""],
            ["Ivy Two", email, second_role, "", "", "", ""],
        ]
    )
    result = imports.commit_import(world.uow(), actor, data, "two.csv", MAPPING, NOW)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    first, second = sorted(_by_email(world, company.id, email), key=lambda c: str(c.role_id))
    assert first.role_id != second.role_id and first.person_id == second.person_id
    # A later file naming a third role for the same email adds a third linked application.
    third_role = _role_titles(world, company.id)[2]
    again = _csv([["Ivy Two", email, third_role, "", "", "", ""]])
    result = imports.commit_import(world.uow(), actor, again, "three.csv", MAPPING, NOW)
    assert result.created == 1
    assert {c.person_id for c in _by_email(world, company.id, email)} == {first.person_id}
    # The same file again changes nothing.
    result = imports.commit_import(world.uow(), actor, data, "two.csv", MAPPING, NOW)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
