"""Base class of the repositories: they add, flush and select; they never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from core.models import Base


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


def add_in_dependency_order(session: Session, objects: Iterable[Base]) -> None:
    """Add and flush rows table by table, parents first.

    The models declare foreign keys without relationship(), so the unit of work does
    not know the insert order; the metadata's table sort does.
    """
    by_table: dict[str, list[Base]] = defaultdict(list)
    for obj in objects:
        by_table[obj.__table__.name].append(obj)
    for table in Base.metadata.sorted_tables:
        rows = by_table.pop(table.name, None)
        if rows:
            session.add_all(rows)
            session.flush()
    assert not by_table, f"objects of unknown tables: {sorted(by_table)}"
