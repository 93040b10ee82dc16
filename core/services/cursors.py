"""Opaque cursors of paged lists: the last row's sort values, as URL-safe base64 JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from core.services.errors import ValidationError


def encode(fields: dict[str, Any]) -> str:
    raw = json.dumps(fields, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The fields of a cursor :func:`encode` made; ValidationError for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fields = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        fields = None
    if not isinstance(fields, dict):
        raise ValidationError("The cursor does not belong to this list.")
    return fields
