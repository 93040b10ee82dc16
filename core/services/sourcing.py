"""Staff add one candidate they sourced to a role (the REST API's POST
/roles/{id}/candidates): the import's checks for one row, the person's other applications
linked, the first stage recorded, audited, and announced to webhooks as candidate.applied.
The worker scores the new candidate as it scores imported ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.db import UnitOfWork
from core.models import Candidate, CandidateStageEvent
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.imports import ImportRepository
from core.repositories.roles import RoleRepository
from core.services import imports, webhooks
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError

DEFAULT_SOURCE = "added_by_staff"
CLOSED_ROLE_STATUSES = ("filled", "closed")


@dataclass(frozen=True)
class NewCandidate:
    full_name: str
    email: str
    source: str = ""
    linkedin_url: str = ""
    resume_text: str = ""


def add_candidate(
    uow: UnitOfWork, actor: Actor, role_id: uuid.UUID, new: NewCandidate, now: datetime
) -> uuid.UUID:
    """Add ``new`` as an applied candidate of the role; returns the candidate's id.

    Refused (nothing written) when a field is invalid, the role is filled or closed, or the
    same email is already a candidate for this role (a person reviews duplicates; this
    never overwrites what staff hold)."""
    actor.require(Permission.IMPORT_CANDIDATES)
    values = {
        "full_name": new.full_name,
        "email": new.email.strip(),
        "source": new.source.strip(),
        "linkedin_url": new.linkedin_url.strip(),
        "resume_text": new.resume_text.strip(),
    }
    row = imports.check_row(1, list(values.values()), len(values), values)
    if row.errors:
        first = row.errors[0]
        raise ValidationError(f"{imports.FIELDS.get(first.field, first.field)}: {first.message}")
    with uow:
        role = RoleRepository(uow.session).get(actor.company_id, role_id)
        if role is None:
            raise NotFoundError("No such role.")
        if role.status in CLOSED_ROLE_STATUSES:
            raise ValidationError(f"This role is {role.status}; reopen it to add candidates.")
        repo = ImportRepository(uow.session)
        earlier = repo.candidates_by_email(actor.company_id, {row.email}).get(row.email, [])
        for application in earlier:
            if application.role_id == role.id:
                raise ValidationError(
                    f"{row.email} is already a candidate for this role "
                    f"(reference {application.reference})."
                )
        company = CompanyRepository(uow.session).get(actor.company_id)
        assert company is not None
        candidate = Candidate(
            id=uuid.uuid4(),
            company_id=actor.company_id,
            role_id=role.id,
            email=row.email,
            full_name=row.full_name,
            linkedin_url=row.linkedin_url or None,
            application_source=row.source or DEFAULT_SOURCE,
            status="applied",
            reference=imports.free_references(repo, company.slug, 1)[0],
            person_id=earlier[0].person_id if earlier else None,
            resume_text=row.resume_text or None,
            resume_profile=imports.resume_profile(row.resume_text, now)
            if row.resume_text
            else None,
            created_at=now,
            updated_at=now,
        )
        event = CandidateStageEvent(
            company_id=actor.company_id,
            candidate_id=candidate.id,
            from_status=None,
            to_status="applied",
            reason="added by staff",
            actor=actor.username,
            created_at=now,
        )
        repo.add_all([candidate, event])
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.added",
            entity_type="candidate",
            entity_id=str(candidate.id),
            summary={"role_id": str(role.id), "other_applications": len(earlier)},
        )
        webhooks.announce(
            uow.session,
            actor.company_id,
            "candidate.applied",
            {
                "candidate_id": str(candidate.id),
                "role_id": str(role.id),
                "reapplied": False,
            },
            now,
        )
        uow.commit()
    return candidate.id
