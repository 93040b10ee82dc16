"""CSV import of candidates: read a file, map its columns, preview, commit all or nothing.

Rows are keyed by lower-cased email and role within the acting user's company (one
application per person and role; a row naming another role is that person's second
application, linked to the first), so importing the same file again creates nobody.
Rules the preview and the commit share:

- Row numbers are those a spreadsheet shows: the header is row 1, the first candidate row 2.
- A blank cell never erases data; it means "not given".
- An import sets a candidate's stage and source only when it creates the candidate. Stages
  of existing candidates change only through stage moves, which record who and why; a
  different stage in the file is counted (``stages_kept``), never applied silently.
- The commit re-reads and re-checks the file; if any row has an error nothing is written.
- Messages name rows and fields, never a candidate's name or email.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from core.db import UnitOfWork
from core.models import Candidate, CandidateImport, CandidateStageEvent, Role
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.imports import ImportRepository
from core.repositories.roles import RoleRepository
from core.services.auth import Actor
from core.services.errors import ValidationError
from core.services.intake import _EMAIL, _LINKEDIN, _reference, _safe_name, _taxonomy
from ml.resume import parse_resume

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
PREVIEW_ROWS = 20
MAX_RESUME_CHARS = 50_000
DEFAULT_SOURCE = "csv_import"
# PeopleOS field -> label, in the order a person maps them.
FIELDS: dict[str, str] = {
    "full_name": "Full name",
    "email": "Email",
    "role": "Role",
    "status": "Stage",
    "source": "Source",
    "linkedin_url": "LinkedIn URL",
    "resume_text": "Resume text",
}
REQUIRED_FIELDS = ("full_name", "email")
# Header names (lower-case, letters and digits only) that suggest a field, best first.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": ("fullname", "name", "candidatename", "candidate", "applicantname", "applicant"),
    "email": ("email", "emailaddress", "candidateemail", "mail"),
    "role": ("role", "roletitle", "position", "jobtitle", "title", "job", "appliedfor"),
    "status": ("stage", "status", "pipelinestage"),
    "source": ("source", "applicationsource", "channel"),
    "linkedin_url": ("linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl"),
    "resume_text": ("resumetext", "resume", "cvtext", "cv"),
}
_DELIMITERS = (",", ";", "\t")
# When two roles share a title, an open one is the likelier target of an import.
_ROLE_PREFERENCE = {"active": 0, "draft": 1, "filled": 2, "closed": 3}


class ImportRowsError(ValidationError):
    """Rows of the file are invalid; nothing was imported. ``errors`` lists them all."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(
            f"{len(errors)} problem(s) in the file; nothing was imported. First: row "
            f"{first.row}, {FIELDS.get(first.field, first.field)}: {first.message}"
        )
        self.errors = errors


@dataclass(frozen=True)
class CsvPreview:
    filename: str
    headers: list[str]
    rows: list[list[str]]  # the first PREVIEW_ROWS candidate rows, as in the file
    total_rows: int
    delimiter: str
    encoding: str
    suggested_mapping: dict[str, str]  # PeopleOS field -> CSV column


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str  # a key of FIELDS, or "row" for the row as a whole
    message: str


@dataclass(frozen=True)
class PlannedRow:
    row: int
    action: str  # create, update, unchanged, error
    values: dict[str, str]  # the mapped cells, cleaned; "" when not given
    changes: tuple[str, ...] = ()  # fields an update changes


@dataclass(frozen=True)
class ImportPlan:
    filename: str
    sha256: str
    mapping: dict[str, str]
    rows: list[PlannedRow]
    errors: list[RowError]
    stages_kept: int  # existing candidates whose stage in the file differs (kept as is)

    @property
    def rows_total(self) -> int:
        return len(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


@dataclass(frozen=True)
class ImportResult:
    import_id: uuid.UUID
    rows_total: int
    created: int
    updated: int
    unchanged: int
    stages_kept: int


@dataclass(frozen=True)
class ImportSummary:
    id: uuid.UUID
    created_at: datetime
    actor: str
    filename: str
    rows_total: int
    created: int
    updated: int
    unchanged: int


def read_csv(actor: Actor, data: bytes, filename: str) -> CsvPreview:
    """The file's columns, first rows and row count, with a suggested column mapping."""
    actor.require(Permission.IMPORT_CANDIDATES)
    table = _read(data)
    return CsvPreview(
        filename=_safe_name(filename),
        headers=table.headers,
        rows=[cells for _, cells in table.records[:PREVIEW_ROWS]],
        total_rows=len(table.records),
        delimiter=table.delimiter,
        encoding=table.encoding,
        suggested_mapping=_suggest(table.headers),
    )


def preview_import(
    uow: UnitOfWork,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None],
) -> ImportPlan:
    """What importing the file would do, row by row, with every row's errors. Writes nothing."""
    actor.require(Permission.IMPORT_CANDIDATES)
    table = _read(data)
    columns = _check_mapping(mapping, table.headers)
    with uow:
        evaluated = _evaluate(uow, actor.company_id, table, columns)
    return _plan(data, filename, columns, evaluated)


def commit_import(
    uow: UnitOfWork,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None],
    now: datetime,
) -> ImportResult:
    """Import every row in one transaction, or nothing when any row has an error."""
    actor.require(Permission.IMPORT_CANDIDATES)
    table = _read(data)
    columns = _check_mapping(mapping, table.headers)
    with uow:
        evaluated = _evaluate(uow, actor.company_id, table, columns)
        if evaluated.errors:
            raise ImportRowsError(evaluated.errors)
        repo = ImportRepository(uow.session)
        company = CompanyRepository(uow.session).get(actor.company_id)
        assert company is not None
        creating = [r for r in evaluated.rows if r.existing is None]
        references = free_references(repo, company.slug, len(creating))
        record = CandidateImport(
            company_id=actor.company_id,
            actor=actor.username,
            filename=_safe_name(filename),
            sha256=hashlib.sha256(data).hexdigest(),
            mapping=columns,
            rows_total=len(evaluated.rows),
            created_count=len(creating),
            updated_count=sum(1 for r in evaluated.rows if r.existing is not None and r.changes),
            unchanged_count=sum(
                1 for r in evaluated.rows if r.existing is not None and not r.changes
            ),
            created_at=now,
        )
        new_rows = _new_applications(evaluated.rows, actor, references, now)
        for row in evaluated.rows:
            if row.existing is not None and row.changes:
                _apply(row.existing, row, now)
        repo.add_all([*new_rows, record])
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.imported",
            entity_type="candidate_import",
            entity_id=str(record.id),
            summary={
                "rows": record.rows_total,
                "created": record.created_count,
                "updated": record.updated_count,
                "unchanged": record.unchanged_count,
                "stages_kept": evaluated.stages_kept,
            },
        )
        result = ImportResult(
            record.id,
            record.rows_total,
            record.created_count,
            record.updated_count,
            record.unchanged_count,
            evaluated.stages_kept,
        )
        uow.commit()
    return result


def _new_applications(
    rows: list[_Row], actor: Actor, references: list[str], now: datetime
) -> list[Candidate | CandidateStageEvent]:
    """The rows that create applications, as candidates with their first stage event."""
    created: list[Candidate | CandidateStageEvent] = []
    # Rows of one new person on several roles become that person's linked applications.
    people: dict[str, uuid.UUID] = {}
    for row in rows:
        if row.existing is not None:
            continue
        candidate = Candidate(
            company_id=actor.company_id,
            role_id=row.role.id if row.role else None,
            email=row.email,
            full_name=row.full_name,
            linkedin_url=row.linkedin_url or None,
            application_source=row.source or DEFAULT_SOURCE,
            status=row.status or "applied",
            reference=references.pop(),
            person_id=row.person_id or people.get(row.email),
            resume_text=row.resume_text or None,
            resume_profile=resume_profile(row.resume_text, now) if row.resume_text else None,
            created_at=now,
            updated_at=now,
        )
        people.setdefault(row.email, candidate.person_id)
        created.append(candidate)
        created.append(
            CandidateStageEvent(
                company_id=actor.company_id,
                candidate_id=candidate.id,
                from_status=None,
                to_status=candidate.status,
                reason="imported from CSV",
                actor=actor.username,
                created_at=now,
            )
        )
    return created


def list_imports(uow: UnitOfWork, actor: Actor, limit: int = 50) -> list[ImportSummary]:
    """The company's past imports, newest first."""
    actor.require(Permission.IMPORT_CANDIDATES)
    with uow:
        return [
            ImportSummary(
                i.id,
                i.created_at,
                i.actor,
                i.filename,
                i.rows_total,
                i.created_count,
                i.updated_count,
                i.unchanged_count,
            )
            for i in ImportRepository(uow.session).list(actor.company_id, max(1, min(limit, 200)))
        ]


# --- reading the file -------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    headers: list[str]
    records: list[tuple[int, list[str]]]  # (row number, cells) of the non-blank rows
    delimiter: str
    encoding: str


def _read(data: bytes) -> _Table:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_BYTES // 2**20} MB; split it into smaller files."
        )
    text, encoding = _decode(data)
    if not text.strip():
        raise ValidationError("The file is empty.")
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        headers = _headers(header)
        records: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(records) == MAX_ROWS:
                raise ValidationError(
                    f"The file has more than {MAX_ROWS:,} candidate rows; "
                    f"split it into files of at most {MAX_ROWS:,}."
                )
            records.append((number, cells))
    except csv.Error as exc:
        raise ValidationError(f"The file is not valid CSV ({exc}).") from exc
    if not records:
        raise ValidationError("The file has a header row but no candidate rows.")
    return _Table(headers, records, delimiter, encoding)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ValidationError("The file could not be read as text.") from exc
    if b"\x00" in data:
        raise ValidationError("This is not a CSV text file (it holds binary data).")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" in the ANSI code page.
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff(text: str) -> str:
    """The delimiter that splits the header into most columns and fits the rows after it."""
    best, best_score = ",", (False, -1, -1)
    for delimiter in _DELIMITERS:
        try:
            sample = list(
                islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 20)
            )
        except csv.Error:
            continue
        if not sample:
            continue
        width = len(sample[0])
        fitting = sum(1 for row in sample[1:] if len(row) == width)
        score = (width > 1, fitting, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _headers(cells: list[str]) -> list[str]:
    headers = [c.strip().lstrip("\ufeff").strip() for c in cells]
    while headers and not headers[-1]:
        headers.pop()  # spreadsheets often add empty trailing columns
    if not headers:
        raise ValidationError("The first row must name the columns (a header row).")
    if any(_EMAIL.match(h.lower()) for h in headers):
        raise ValidationError(
            "The first row looks like a candidate (it holds an email address); "
            "the first row must name the columns."
        )
    seen: set[str] = set()
    for position, header in enumerate(headers, start=1):
        if not header:
            raise ValidationError(f"Column {position} has no name in the header row.")
        if header.casefold() in seen:
            raise ValidationError(f"The column '{header}' appears twice in the header row.")
        seen.add(header.casefold())
    return headers


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _suggest(headers: list[str]) -> dict[str, str]:
    """PeopleOS field -> the CSV column whose name suggests it; each column used once."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    mapping: dict[str, str] = {}
    for name, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            column = by_key.get(synonym)
            if column is not None and column not in mapping.values():
                mapping[name] = column
                break
    return mapping


def _check_mapping(mapping: Mapping[str, str | None], headers: list[str]) -> dict[str, str]:
    """The mapping with blank choices dropped and columns spelled as in the file."""
    by_fold = {h.casefold(): h for h in headers}
    columns: dict[str, str] = {}
    for name, column in mapping.items():
        if name not in FIELDS:
            raise ValidationError(f"Unknown field '{name}'; the fields are {', '.join(FIELDS)}.")
        if column is None or not column.strip():
            continue
        found = by_fold.get(column.strip().casefold())
        if found is None:
            raise ValidationError(f"The file has no column '{column}'.")
        for other, used in columns.items():
            if used == found:
                raise ValidationError(
                    f"The column '{found}' is mapped to both {FIELDS[other]} and "
                    f"{FIELDS[name]}; use each column once."
                )
        columns[name] = found
    missing = [FIELDS[f] for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise ValidationError(f"Choose the column that holds {' and '.join(missing)}.")
    return columns


# --- checking the rows ------------------------------------------------------------------


@dataclass
class _Row:
    row: int
    values: dict[str, str]
    email: str = ""
    full_name: str = ""
    role: Role | None = None
    status: str = ""
    source: str = ""
    linkedin_url: str = ""
    resume_text: str = ""
    existing: Candidate | None = None
    person_id: uuid.UUID | None = None  # a new application of someone who applied before
    changes: tuple[str, ...] = ()
    status_differs: bool = False
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Evaluation:
    rows: list[_Row]
    errors: list[RowError]
    stages_kept: int


def _title(text: str) -> str:
    return " ".join(text.split()).casefold()


def _roles_by_title(roles: list[Role]) -> dict[str, Role]:
    ranked = sorted(
        roles,
        key=lambda r: (_ROLE_PREFERENCE.get(r.status, 9), -r.created_at.timestamp(), str(r.id)),
    )
    found: dict[str, Role] = {}
    for role in ranked:
        found.setdefault(_title(role.title), role)
    return found


def _cells(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, index in columns.items():
        cell = cells[index] if index < len(cells) else ""
        values[name] = cell.replace("\r\n", "\n").replace("\r", "\n").strip()
    return values


def check_row(number: int, cells: list[str], width: int, values: dict[str, str]) -> _Row:
    row = _Row(number, values)

    def error(name: str, message: str) -> None:
        row.errors.append(RowError(number, name, message))

    if len(cells) > width and any(c.strip() for c in cells[width:]):
        error("row", f"This row has {len(cells)} cells; the header names {width} columns.")
    row.full_name = " ".join(values["full_name"].split())
    if not 2 <= len(row.full_name) <= 120:
        error("full_name", "Give a full name of 2 to 120 characters.")
    row.email = values["email"].lower()
    if not row.email:
        error("email", "An email address is required.")
    elif not _EMAIL.match(row.email) or len(row.email) > 255:
        error("email", "This is not a valid email address.")
    row.status = values.get("status", "").lower()
    if row.status and row.status not in CANDIDATE_STATUSES:
        error(
            "status",
            f"Unknown stage '{values['status'][:40]}'; use one of: "
            f"{', '.join(CANDIDATE_STATUSES)}.",
        )
    row.source = values.get("source", "")
    if len(row.source) > 50:
        error("source", "Keep the source under 50 characters.")
    row.linkedin_url = values.get("linkedin_url", "")
    if row.linkedin_url and (not _LINKEDIN.match(row.linkedin_url) or len(row.linkedin_url) > 500):
        error("linkedin_url", "Give a LinkedIn profile URL (https://www.linkedin.com/in/…).")
    row.resume_text = values.get("resume_text", "")
    if len(row.resume_text) > MAX_RESUME_CHARS:
        error("resume_text", f"Keep the resume text under {MAX_RESUME_CHARS:,} characters.")
    return row


def _compare(row: _Row, existing: Candidate, role_titles: dict[uuid.UUID, str]) -> None:
    """What an update would change; the stage is only compared, never changed."""
    changes = []
    if row.full_name != (existing.full_name or ""):
        changes.append("full_name")
    # Two roles may share a title; the same title is no change.
    current = role_titles.get(existing.role_id) if existing.role_id else None
    if row.role is not None and (current is None or _title(current) != _title(row.role.title)):
        changes.append("role")
    if row.linkedin_url and row.linkedin_url != (existing.linkedin_url or ""):
        changes.append("linkedin_url")
    if row.resume_text and row.resume_text != (existing.resume_text or "").strip():
        changes.append("resume_text")
    row.existing = existing
    row.changes = tuple(changes)
    row.status_differs = bool(row.status) and row.status != existing.status


def _application(row: _Row, applications: list[Candidate]) -> Candidate | None:
    """The application a row updates: the person's one for the row's role, else one without a
    role; None when the row is a new application (linked to the person's others, if any)."""
    if not applications:
        return None
    if row.role is None:
        return applications[0]
    for candidate in applications:
        if candidate.role_id == row.role.id:
            return candidate
    for candidate in applications:
        if candidate.role_id is None:
            return candidate
    row.person_id = applications[0].person_id
    return None


def _evaluate(
    uow: UnitOfWork, company_id: uuid.UUID, table: _Table, columns: dict[str, str]
) -> _Evaluation:
    assert uow.session is not None
    index = {name: table.headers.index(column) for name, column in columns.items()}
    company_roles = RoleRepository(uow.session).list(company_id)
    roles = _roles_by_title(company_roles)
    role_titles = {r.id: r.title for r in company_roles}
    rows: list[_Row] = []
    first_row: dict[tuple[str, uuid.UUID | None], int] = {}
    for number, cells in table.records:
        values = _cells(cells, index)
        row = check_row(number, cells, len(table.headers), values)
        title = values.get("role", "")
        if title:
            row.role = roles.get(_title(title))
            if row.role is None:
                row.errors.append(
                    RowError(number, "role", f"No role titled '{title[:80]}' in your company.")
                )
        if row.email:
            # One application per person and role: the same email may apply to two roles.
            seen = first_row.setdefault((row.email, row.role.id if row.role else None), number)
            if seen != number:
                row.errors.append(
                    RowError(number, "email", f"The same email and role are on row {seen}.")
                )
        rows.append(row)
    valid = [r for r in rows if not r.errors]
    existing = ImportRepository(uow.session).candidates_by_email(
        company_id, {r.email for r in valid}
    )
    for row in valid:
        match = _application(row, existing.get(row.email, []))
        if match is not None:
            _compare(row, match, role_titles)
    errors = [e for r in rows for e in r.errors]
    return _Evaluation(rows, errors, sum(1 for r in valid if r.status_differs))


def _plan(data: bytes, filename: str, columns: dict[str, str], ev: _Evaluation) -> ImportPlan:
    planned = []
    for r in ev.rows:
        if r.errors:
            action = "error"
        elif r.existing is None:
            action = "create"
        else:
            action = "update" if r.changes else "unchanged"
        planned.append(PlannedRow(r.row, action, r.values, r.changes))
    return ImportPlan(
        filename=_safe_name(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        mapping=columns,
        rows=planned,
        errors=ev.errors,
        stages_kept=ev.stages_kept,
    )


# --- writing ----------------------------------------------------------------------------


def resume_profile(resume_text: str, now: datetime) -> dict[str, Any]:
    return parse_resume(resume_text, _taxonomy(), today=now.date()).to_dict()


def _apply(candidate: Candidate, row: _Row, now: datetime) -> None:
    if "full_name" in row.changes:
        candidate.full_name = row.full_name
    if "role" in row.changes and row.role is not None:
        candidate.role_id = row.role.id
    if "linkedin_url" in row.changes:
        candidate.linkedin_url = row.linkedin_url
    if "resume_text" in row.changes:
        answers = (candidate.resume_profile or {}).get("answers")
        candidate.resume_text = row.resume_text
        candidate.resume_profile = {
            **resume_profile(row.resume_text, now),
            **({"answers": answers} if answers else {}),
        }
    candidate.updated_at = now


def free_references(repo: ImportRepository, slug: str | None, count: int) -> list[str]:
    """``count`` new applicant references, unused anywhere (a bulk import makes clashes likely)."""
    free: set[str] = set()
    while len(free) < count:
        fresh = {_reference(slug) for _ in range(count - len(free))} - free
        free |= fresh - repo.taken_references(fresh)
    return sorted(free)
