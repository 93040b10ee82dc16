"""Queries over the encrypted columns, for re-encrypting them under the current data key.

The columns are found from the models (every column of an ``Encrypted*`` type), so a newly
encrypted column is rotated without a change here. Each query is scoped by company.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, LargeBinary, Text, bindparam, cast, func, select, type_coerce, update

from core.models import Base, Company
from core.models.encrypted import ENCRYPTED_TYPES, EncryptedBytes, EncryptedJSON
from core.repositories.base import Repository

# Enough of a stored value to read its "v1:<key id>:" prefix (a JSON string adds a quote).
_HEADER_CHARS = 16


def encrypted_columns() -> list[Column[Any]]:
    """Every encrypted column, in table dependency order."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, ENCRYPTED_TYPES)
    ]


def column_name(column: Column[Any]) -> str:
    return f"{column.table.name}.{column.name}"


def _header(column: Column[Any]) -> Any:
    """The start of the stored value, undecrypted."""
    if isinstance(column.type, EncryptedBytes):
        return type_coerce(
            func.substr(type_coerce(column, LargeBinary()), 1, _HEADER_CHARS), LargeBinary()
        )
    raw = cast(column, Text()) if isinstance(column.type, EncryptedJSON) else column
    return type_coerce(func.substr(type_coerce(raw, Text()), 1, _HEADER_CHARS), Text())


class EncryptionRepository(Repository):
    def list_company_ids(self) -> list[uuid.UUID]:
        return list(self.session.scalars(select(Company.id).order_by(Company.id)))

    def list_headers(
        self,
        company_id: uuid.UUID,
        column: Column[Any],
        after: uuid.UUID | None,
        limit: int,
    ) -> list[tuple[uuid.UUID, str | bytes]]:
        """(id, start of the stored value) of the next ``limit`` non-null values after
        ``after``, in id order: a page that reads no whole value."""
        table = column.table
        query = (
            select(table.c.id, _header(column))
            .where(table.c.company_id == company_id, column.is_not(None))
            .order_by(table.c.id)
            .limit(limit)
        )
        if isinstance(column.type, EncryptedJSON):
            # An explicit None is stored as JSON null, not a value to encrypt.
            query = query.where(cast(column, Text()) != "null")
        if after is not None:
            query = query.where(table.c.id > after)
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def list_values(
        self, company_id: uuid.UUID, column: Column[Any], ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, Any]]:
        """(id, decrypted value) of the given rows."""
        table = column.table
        rows = self.session.execute(
            select(table.c.id, column).where(table.c.company_id == company_id, table.c.id.in_(ids))
        )
        return [(row[0], row[1]) for row in rows]

    def add_ciphertexts(
        self, company_id: uuid.UUID, column: Column[Any], values: Sequence[tuple[uuid.UUID, Any]]
    ) -> None:
        """Write ``values`` again through the column's type, i.e. under the current key.

        Columns with an automatic update time keep theirs: the data did not change.
        """
        table = column.table
        keep = {c.name: c for c in table.columns if c.onupdate is not None}
        statement = (
            update(table)
            .where(table.c.company_id == company_id, table.c.id == bindparam("row_id"))
            .values({column.name: bindparam("new_value", type_=column.type), **keep})
        )
        self.session.execute(
            statement, [{"row_id": row_id, "new_value": value} for row_id, value in values]
        )
