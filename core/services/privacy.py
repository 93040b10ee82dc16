"""Data-subject rights and retention: what PeopleOS holds about a person (export), erasing it
(erase), the retention rule that erases applications nobody hired after N days, and the
careers page's email-verified requests that an admin fulfils.

What erasure means here. The person's personal data goes everywhere it is: their name,
email, LinkedIn, resume text and files, parsed profile, embedding (and so the company's
FAISS index file, rebuilt), self-identification, consents, free text written about them
(stage reasons, interview questions and notes, scorecard evidence, offer notes, fit
reasoning), outbox messages naming them, merge snapshots, rate-limit buckets keyed by their
email, and any audit summary that names them. What stays is an anonymised row per
application (status, role, dates, scores: nobody's name), so the company's counts, stage
history, time-to-hire and model accuracy do not change, plus one audit row recording the
erasure with the email's SHA-256 only. A hired person is refused: their application is part
of their employee record (the careers page says so), which employment law keeps.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.config import get_settings
from core.db import UnitOfWork
from core.models import Base, Candidate, Interview
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.privacy import CANDIDATE_TABLES, ERASED_DOMAIN, PrivacyRepository
from core.services import search
from core.services.auth import Actor
from core.services.errors import ValidationError

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
_ERASED = "[erased]"


class PersonIsEmployeeError(ValidationError):
    """The person was hired: their application is part of an employee record."""


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure changed (or, as a preview, would change); counts only."""

    applications: int
    rows_deleted: dict[str, int]
    rows_anonymised: dict[str, int]
    notifications_deleted: int
    audit_rows_scrubbed: int
    index_rebuilt: bool
    done: bool


@dataclass(frozen=True)
class RetentionItem:
    """One person whose applications are past retention (no name: a report for logs)."""

    company_id: uuid.UUID
    person_id: uuid.UUID
    candidate_ids: tuple[uuid.UUID, ...]
    last_applied: datetime
    expired_on: datetime


def email_sha256(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


# ---------------------------------------------------------------- export


def export_person(uow: UnitOfWork, actor: Actor, email: str, now: datetime) -> dict[str, Any]:
    """Every row held about the person with this email in the actor's company, and their
    original files (base64), as JSON-ready data. Writes an audit row (the email's hash)."""
    actor.require(Permission.MANAGE_PRIVACY)
    email = normalise_email(email)
    with uow:
        export = export_in_session(uow, actor, email, now)
        uow.commit()
    return export


def export_in_session(uow: UnitOfWork, actor: Actor, email: str, now: datetime) -> dict[str, Any]:
    """:func:`export_person` inside the caller's unit of work (no commit)."""
    actor.require(Permission.MANAGE_PRIVACY)
    export = _collect(PrivacyRepository(uow.session), actor.company_id, email)
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action="privacy.exported",
        entity_type="person",
        summary={"email_sha256": email_sha256(email), "applications": len(export["candidates"])},
    )
    export["exported_at"] = now.isoformat()
    return export


def _collect(repo: PrivacyRepository, company_id: uuid.UUID, email: str) -> dict[str, Any]:
    applications = repo.list_applications(company_id, email)
    ids = [c.id for c in applications]
    out: dict[str, Any] = {"email": email, "candidates": [_row(c) for c in applications]}
    interviews: list[Interview] = []
    for model in CANDIDATE_TABLES:
        rows = repo.list_rows(model, company_id, ids) if ids else []
        out[model.__tablename__] = [_row(r) for r in rows]
        if model is Interview:
            interviews = rows
    out["interview_scorecards"] = [
        _row(r) for r in repo.list_scorecards(company_id, [i.id for i in interviews])
    ]
    predictions = repo.list_predictions(company_id, ids) if ids else []
    out["predictions"] = [_row(p) for p in predictions]
    out["outcomes"] = [_row(o) for o in repo.list_outcomes(company_id, [p.id for p in predictions])]
    emails = {email} | {c.email.lower() for c in applications}
    out["candidate_merges"] = [_row(m) for m in repo.list_merges(company_id, ids, emails)]
    terms = _terms(applications, email)
    out["notifications"] = [
        _row(n) for n in repo.list_notifications(company_id) if _mentions(n, terms, ids)
    ]
    out["audit_log"] = [
        _row(a) for a in repo.list_audit_rows(company_id, [str(i) for i in ids], terms)
    ]
    hired = repo.list_hired_people(company_id, ids) if ids else []
    out["employees"] = [_row(e) for _, e, _, _ in hired if e is not None]
    out["users"] = [_row(u, skip={"password_hash"}) for _, _, u, _ in hired if u is not None]
    out["onboarding_plans"] = [_row(p) for _, _, _, p in hired if p is not None]
    out["privacy_requests"] = [
        _row(r, skip={"token_hash"})
        for r in repo.list_requests_about(company_id, email_sha256(email))
    ]
    return out


def _row(row: Base, skip: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        c.key: _jsonable(getattr(row, c.key)) for c in row.__table__.columns if c.key not in skip
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------- erase


def preview_erasure(uow: UnitOfWork, actor: Actor, email: str) -> ErasureReport:
    """What :func:`erase_person` would remove, without changing anything."""
    actor.require(Permission.MANAGE_PRIVACY)
    email = normalise_email(email)
    with uow:
        return _erase(uow, actor.company_id, email, apply=False)


def erase_person(
    uow: UnitOfWork,
    actor: Actor,
    email: str,
    now: datetime,
    *,
    index_dir: Path | None = None,
    reason: str = "request",
) -> ErasureReport:
    """Erase the person with this email from the actor's company (see the module's text),
    in one transaction; then rebuild the company's search index without them."""
    actor.require(Permission.MANAGE_PRIVACY)
    email = normalise_email(email)
    with uow:
        report = erase_in_session(uow, actor, email, now, reason)
        uow.commit()
        rebuilt = rebuild_index(uow, actor.company_id, index_dir)
    return with_index(report, rebuilt)


def erase_in_session(
    uow: UnitOfWork, actor: Actor, email: str, now: datetime, reason: str
) -> ErasureReport:
    """:func:`erase_person` inside the caller's unit of work (no commit, no index rebuild)."""
    actor.require(Permission.MANAGE_PRIVACY)
    report = _erase(uow, actor.company_id, email, apply=True, now=now)
    # The record of the erasure itself, without the erased data: the email's SHA-256.
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action="privacy.erased",
        entity_type="person",
        summary={
            "email_sha256": email_sha256(email),
            "applications": report.applications,
            "reason": reason,
        },
    )
    return report


def _erase(
    uow: UnitOfWork,
    company_id: uuid.UUID,
    email: str,
    *,
    apply: bool,
    now: datetime | None = None,
    applications: list[Candidate] | None = None,
) -> ErasureReport:
    repo = PrivacyRepository(uow.session)
    if applications is None:
        applications = repo.list_applications(company_id, email)
    hired = [c for c in applications if c.status == "hired"]
    ids = [c.id for c in applications]
    if hired or (ids and repo.list_rows(CANDIDATE_TABLES[-1], company_id, ids)):
        raise PersonIsEmployeeError(
            "This person was hired: their application is part of their employee record, "
            "which is kept while they are employed (and as employment law requires after). "
            "Nothing was erased; export their data, and handle the employee record through HR."
        )
    if apply:
        repo.add_secure_delete()
    emails = ({email} if email else set()) | {c.email.lower() for c in applications}
    terms = _terms(applications, email)
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    interviews: list[Interview] = []
    # Personal data with no aggregate value goes; rows that carry the company's counts stay
    # with their free text removed.
    for model in CANDIDATE_TABLES[:-1]:
        rows = repo.list_rows(model, company_id, ids) if ids else []
        name = model.__tablename__
        if model.__tablename__ in (
            "candidate_documents",
            "candidate_embeddings",
            "consents",
            "self_id",
        ):
            deleted[name] = len(rows)
            if apply:
                repo.delete_rows(rows)
            continue
        anonymised[name] = len(rows)
        if model is Interview:
            interviews = rows
        if apply:
            for row in rows:
                _blank_free_text(row)
    scorecards = repo.list_scorecards(company_id, [i.id for i in interviews])
    predictions = repo.list_predictions(company_id, ids) if ids else []
    outcomes = repo.list_outcomes(company_id, [p.id for p in predictions])
    merges = repo.list_merges(company_id, ids, emails) if emails else []
    for name, rows in (
        ("interview_scorecards", scorecards),
        ("predictions", predictions),
        ("outcomes", outcomes),
        ("candidate_merges", merges),
    ):
        anonymised[name] = len(rows)
        if apply:
            for row in rows:
                _blank_free_text(row, terms)
    outbox = [n for n in repo.list_notifications(company_id) if _mentions(n, terms, ids)]
    audit = repo.list_audit_rows(company_id, [str(i) for i in ids], terms) if terms else []
    anonymised["candidates"] = len(applications)
    if apply:
        repo.delete_rows(outbox)
        for row in audit:
            row.summary = _scrub(row.summary, terms)
            if row.actor == "applicant":
                row.client_address = None  # the applicant's own address
        repo.delete_rate_limit_buckets([f"intake:email:{e}" for e in emails])
        anonymous_person = uuid.uuid4()
        for candidate in applications:
            _anonymise(candidate, anonymous_person)
        for address in emails:
            for request in repo.list_requests_about(company_id, email_sha256(address)):
                request.email = None
        uow.session.flush()
    return ErasureReport(
        applications=len(applications),
        rows_deleted=deleted,
        rows_anonymised=anonymised,
        notifications_deleted=len(outbox),
        audit_rows_scrubbed=len(audit),
        index_rebuilt=False,
        done=apply,
    )


def _anonymise(candidate: Candidate, person: uuid.UUID) -> None:
    candidate.email = f"erased-{candidate.id.hex}@{ERASED_DOMAIN}"
    candidate.full_name = None
    candidate.resume_url = None
    candidate.resume_text = None
    candidate.linkedin_url = None
    candidate.fit_breakdown = None
    candidate.risk_indicators = None
    candidate.genome_profile = None
    candidate.resume_profile = None
    candidate.reference = None
    candidate.person_id = person  # one anonymous person: unique-applicant counts stay


# Free-text columns per table: what people wrote or the models derived from the resume.
_FREE_TEXT = {
    "candidate_stage_events": ("reason",),
    "fit_score_dimensions": ("reasoning",),
    "interviews": ("questions", "feedback"),
    "offers": ("band_exception",),
    "interview_scorecards": ("evidence",),
    "candidate_merges": ("snapshot",),
}


def _blank_free_text(row: Base, terms: set[str] | None = None) -> None:
    name = row.__tablename__
    if name == "interview_scorecards":
        row.evidence = {}  # type: ignore[attr-defined]
    elif name == "candidate_merges":
        row.snapshot = {"erased": True}  # type: ignore[attr-defined]
    elif name == "predictions":
        row.features = _scrub(row.features, terms or set(), numbers_only=True)  # type: ignore[attr-defined]
    elif name == "outcomes":
        row.feedback_data = _scrub(row.feedback_data, terms or set(), numbers_only=True)  # type: ignore[attr-defined]
    else:
        for column in _FREE_TEXT.get(name, ()):
            setattr(row, column, None)


def _scrub(value: Any, terms: set[str], *, numbers_only: bool = False) -> Any:
    """``value`` with every string that names the person replaced (or, with
    ``numbers_only``, every free-text string over 40 characters: model features and
    outcome codes are short)."""
    if isinstance(value, dict):
        return {k: _scrub(v, terms, numbers_only=numbers_only) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, terms, numbers_only=numbers_only) for v in value]
    if isinstance(value, str):
        lowered = value.lower()
        if any(t in lowered for t in terms) or (numbers_only and len(value) > 40):
            return _ERASED
    return value


def _terms(applications: list[Candidate], email: str) -> set[str]:
    """Lower-case strings that identify the person: emails, full names, references."""
    terms = {email} if email else set()
    for c in applications:
        terms.add(c.email.lower())
        if c.full_name and len(c.full_name) >= 4:
            terms.add(c.full_name.lower())
        if c.reference:
            terms.add(c.reference.lower())
    return {t for t in terms if t and not t.endswith("@" + ERASED_DOMAIN)}


def _mentions(notification: Any, terms: set[str], ids: list[uuid.UUID]) -> bool:
    text = " ".join(
        [
            notification.recipient or "",
            notification.subject,
            notification.body,
            json.dumps(notification.payload, ensure_ascii=False) if notification.payload else "",
        ]
    ).lower()
    return any(t in text for t in terms) or any(str(i) in text for i in ids)


def rebuild_index(uow: UnitOfWork, company_id: uuid.UUID, index_dir: Path | None) -> bool:
    """Rebuild (or remove) the company's FAISS index so no vector of the person stays on
    disk, and empty SQLite's write-ahead log of the old page versions."""
    folder = index_dir or get_settings().local_dir / "indexes"
    repo = PrivacyRepository(uow.session)
    index = search.company_index(uow, company_id, folder)
    if index is None:
        for path in folder.glob(f"{company_id}.faiss*"):
            path.unlink(missing_ok=True)
    uow.session.rollback()  # end the read so the checkpoint can empty the log
    repo.delete_wal_history()
    return True


def with_index(report: ErasureReport, rebuilt: bool) -> ErasureReport:
    return ErasureReport(**{**report.__dict__, "index_rebuilt": rebuilt})


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        raise ValidationError("Enter a valid email address.")
    return email


# ---------------------------------------------------------------- retention


def list_expired(uow: UnitOfWork, now: datetime, days: int | None = None) -> list[RetentionItem]:
    """People none of whose applications was hired and whose latest application (or renewed
    consent) is older than the retention period: the setting, or the shorter period the
    person consented to. Changes nothing (the dry run)."""
    days = days if days is not None else get_settings().candidate_retention_days
    with uow:
        return _expired(PrivacyRepository(uow.session), now, days)


def _expired(repo: PrivacyRepository, now: datetime, days: int) -> list[RetentionItem]:
    items = []
    for company_id in repo.list_company_ids():
        people: dict[uuid.UUID, list[tuple[uuid.UUID, str, datetime, int | None, bool]]] = {}
        for cid, person, status, applied, consented, erased in repo.list_retention_terms(
            company_id
        ):
            people.setdefault(person, []).append((cid, status, applied, consented, erased))
        for person, apps in people.items():
            if any(status == "hired" for _, status, _, _, _ in apps) or all(e for *_, e in apps):
                continue
            last = max(applied for _, _, applied, _, _ in apps)
            promised = [c for _, _, _, c, _ in apps if c]
            keep = min([days, *promised]) if promised else days
            if last + timedelta(days=keep) <= now:
                items.append(
                    RetentionItem(
                        company_id,
                        person,
                        tuple(cid for cid, *_ in apps),
                        last,
                        last + timedelta(days=keep),
                    )
                )
    return items


def purge_expired_applications(
    uow: UnitOfWork, now: datetime, days: int | None = None, index_dir: Path | None = None
) -> dict[str, int]:
    """Erase (as :func:`erase_person` does) everyone :func:`list_expired` lists, in one
    transaction, with one audit row per company (a count, no personal data)."""
    days = days if days is not None else get_settings().candidate_retention_days
    with uow:
        repo = PrivacyRepository(uow.session)
        items = _expired(repo, now, days)
        by_company: dict[uuid.UUID, int] = {}
        for item in items:
            applications = [
                c
                for c in repo.list_applications_by_person(item.company_id, item.person_id)
                if not c.email.endswith("@" + ERASED_DOMAIN)
            ]
            _erase(uow, item.company_id, "", apply=True, now=now, applications=applications)
            by_company[item.company_id] = by_company.get(item.company_id, 0) + len(applications)
        for company_id, count in by_company.items():
            AuditRepository(uow.session).add(
                actor="worker",
                action="privacy.applications_deleted",
                entity_type="candidate",
                company_id=company_id,
                summary={"erased": count, "reason": f"retention period over ({days} days)"},
            )
        uow.commit()
        for company_id in by_company:
            rebuild_index(uow, company_id, index_dir)
    return {"deleted": sum(by_company.values()), "people": len(items)}
