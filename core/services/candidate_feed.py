"""A role's candidates for other tools (the REST API): pages that follow a cursor.

A cursor names the last row a client saw, not a page number, so each page is one index
range however deep it is, and candidates arriving meanwhile never repeat or skip a row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.db import UnitOfWork
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.candidates import KEYSET_SCORES, CandidateRepository, KeysetPosition
from core.repositories.roles import RoleRepository
from core.services import cursors
from core.services.auth import Actor
from core.services.candidates import CandidateRow, candidate_filter, candidate_row
from core.services.errors import NotFoundError, ValidationError

MAX_LIMIT = 200
SORTS = tuple(KEYSET_SCORES)


@dataclass(frozen=True)
class CursorPage:
    rows: list[CandidateRow]
    next_cursor: str | None  # None: this is the last page
    scores_visible: bool


def encode_cursor(sort: str, position: KeysetPosition) -> str:
    return cursors.encode(
        {
            "s": sort,
            "v": position.score,
            "c": position.created_at.isoformat(),
            "i": str(position.id),
        }
    )


def decode_cursor(cursor: str, sort: str) -> KeysetPosition:
    """The position a cursor of this list names; ValidationError for anything else."""
    data = cursors.decode(cursor)
    try:
        if data["s"] != sort:
            raise ValueError(data["s"])
        score = data["v"]
        if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
            raise ValueError(score)
        created = datetime.fromisoformat(data["c"])
        if created.tzinfo is None:
            raise ValueError(data["c"])
        return KeysetPosition(score, created, uuid.UUID(data["i"]))
    except (ValueError, KeyError, TypeError):
        raise ValidationError("The cursor does not belong to this list (sort).") from None


def role_candidates(
    uow: UnitOfWork,
    actor: Actor,
    role_id: uuid.UUID,
    *,
    status: str | None = None,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 50,
) -> CursorPage:
    """One page of a role's candidates the actor may see, after ``cursor``."""
    actor.require(Permission.VIEW_CANDIDATES)
    if sort not in KEYSET_SCORES:
        raise ValidationError(f"Unknown sort '{sort}' (one of {', '.join(SORTS)}).")
    scores = actor.can(Permission.VIEW_SCORES)
    if KEYSET_SCORES[sort] is not None and not scores:
        raise ValidationError("Your role does not see scores, so it cannot sort by them.")
    if status is not None and status not in CANDIDATE_STATUSES:
        raise ValidationError(f"Unknown stage '{status}'.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}.")
    after = decode_cursor(cursor, sort) if cursor else None
    f = candidate_filter(actor, role_id=role_id, statuses=(status,) if status else ())
    with uow:
        if RoleRepository(uow.session).get(actor.company_id, role_id) is None:
            raise NotFoundError("Role not found.")
        found = CandidateRepository(uow.session).list_after(
            actor.company_id, f, sort=sort, after=after, limit=limit + 1
        )
        rows = [candidate_row(actor, c, title) for c, title in found[:limit]]
        next_cursor = None
        if len(found) > limit:
            last = found[limit - 1][0]
            score = KEYSET_SCORES[sort]
            position = KeysetPosition(
                None if score is None else getattr(last, score.key),
                last.created_at,
                last.id,
            )
            next_cursor = encode_cursor(sort, position)
        return CursorPage(rows=rows, next_cursor=next_cursor, scores_visible=scores)
