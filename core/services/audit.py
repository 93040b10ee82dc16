"""Reading the audit log (admins only) and exporting it as CSV."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.services.auth import Actor
from core.services.exports import safe_cell

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditEntry:
    id: uuid.UUID
    created_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    summary: dict[str, Any] | None
    client_address: str | None

    @property
    def details(self) -> str:
        """The summary for people: "from applied · to screening · code skills"."""
        return describe(self.summary)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    actions: list[str]


def list_audit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    action: str | None = None,
    entity_type: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> AuditPage:
    """The company's audit rows, newest first; ``limit=None`` returns every match."""
    actor.require(Permission.VIEW_AUDIT_LOG)
    if limit is not None:
        limit = max(1, min(limit, MAX_PAGE))
    with uow:
        repo = AuditRepository(uow.session)
        rows, total = repo.list(
            actor.company_id,
            action=action,
            entity_type=entity_type,
            actor=user,
            since=since,
            until=until,
            limit=limit,
            offset=max(0, offset),
        )
        entries = [
            AuditEntry(
                r.id,
                r.created_at,
                r.actor,
                r.action,
                r.entity_type,
                r.entity_id,
                r.summary,
                r.client_address,
            )
            for r in rows
        ]
        return AuditPage(entries, total, repo.distinct_actions(actor.company_id))


_FIRST = ("from", "to", "code", "reason")


def describe(summary: dict[str, Any] | None) -> str:
    """A summary dict as readable text: one "key value" per entry, nested ones flattened."""
    if not summary:
        return ""
    parts = []
    # PostgreSQL's JSONB keeps no key order: a fixed one reads the same on every backend.
    keys = sorted(summary, key=lambda k: (_FIRST.index(k) if k in _FIRST else len(_FIRST), k))
    for key in keys:
        value = summary[key]
        if value is None or value == "" or value == [] or value == {}:
            continue
        label = key.replace("_", " ")
        if isinstance(value, dict):
            parts.append(f"{label}: {describe(value)}")
        elif isinstance(value, list | tuple):
            parts.append(f"{label} {', '.join(str(v) for v in value)}")
        elif isinstance(value, bool):
            parts.append(f"{label} {'yes' if value else 'no'}")
        else:
            parts.append(f"{label} {value}")
    return " · ".join(parts)


def to_csv(entries: list[AuditEntry]) -> str:
    """CSV text of the entries (summary as JSON)."""
    out = io.StringIO()
    fields = list(AuditEntry.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for entry in entries:
        row = asdict(entry)
        row["created_at"] = entry.created_at.isoformat()
        row["summary"] = json.dumps(entry.summary, sort_keys=True) if entry.summary else ""
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
