"""Column types that encrypt on the way into the database and decrypt on the way out.

Services, parsing, scoring, search and duplicate detection read plain values through the ORM
and need no change; only SQL that compares such a column's contents cannot work (equal
plaintexts give different ciphertexts), so nothing may filter on them but ``IS NULL``.
The stored types stay Text, LargeBinary and JSON (a JSON string), so no schema change is
needed; rows written before encryption read as plaintext until ``privacy rotate-key``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from core.crypto import keyring


class EncryptedText(TypeDecorator[str]):
    """Text stored as an AES-256-GCM token bound to ``context`` ("table.column")."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().encrypt_text(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().decrypt_text(value, self.context)


class EncryptedBytes(TypeDecorator[bytes]):
    """Bytes (an uploaded file) stored encrypted and bound to ``context``."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().encrypt_bytes(bytes(value), self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().decrypt_bytes(bytes(value), self.context)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as one JSON string holding its encrypted serialisation.

    A legacy row (a JSON object written before encryption) reads as it is.
    """

    impl = JSON
    cache_ok = True
    # As the plain JSON type: an explicit None is stored as JSON null, an unset one as NULL.
    should_evaluate_none = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # The same storage as core.models.base.JSONType, so the column type is unchanged.
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return keyring().encrypt_text(json.dumps(value, separators=(",", ":")), self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not isinstance(value, str) or not value.startswith("v1:"):
            return value  # None, or a legacy plaintext value
        return json.loads(keyring().decrypt_text(value, self.context))


ENCRYPTED_TYPES = (EncryptedText, EncryptedBytes, EncryptedJSON)
