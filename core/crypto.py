"""AES-256-GCM encryption of personal data at rest (resumes, files, self-identification).

Keys come from ``PEOPLEOS_DATA_KEY`` (see core.config): one or more base64 32-byte keys,
the first one current. Each ciphertext names the key it was made with by a key id, a
fingerprint of the key (the first 8 hex digits of an HMAC of a fixed label under the key),
so older keys keep decrypting during a rotation and a wrong key is told apart from a
tampered value. The column a value belongs to (``table.column``) is authenticated with it:
a ciphertext copied into another column does not decrypt.

Text is stored as ``v1:<key id>:<nonce>:<ciphertext>`` (unpadded URL-safe base64); bytes
as ``v1:<key id>:`` followed by the raw 12-byte nonce and ciphertext. A value without that
shape (not starting with ``v1:``) is a legacy plaintext from before encryption: it reads as
it is, and ``python -m core.cli privacy rotate-key`` encrypts it; one that starts so but is
not a whole ciphertext is refused as damaged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.config import SettingsError, get_settings

VARIABLE = "PEOPLEOS_DATA_KEY"
VERSION = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_ID_CHARS = 8
_TEXT_TOKEN = re.compile(r"v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})")
_BYTES_PREFIX = re.compile(rb"v1:([0-9a-f]{8}):")
_BYTES_HEADER = len("v1:") + _KEY_ID_CHARS + 1


class DataKeyError(SettingsError):
    """A value cannot be decrypted with the keys PEOPLEOS_DATA_KEY gives (or none is set)."""


def key_id(key: bytes) -> str:
    """The id stored with every ciphertext made with ``key`` (reveals nothing of the key)."""
    return hmac.new(key, b"peopleos data key id", hashlib.sha256).hexdigest()[:_KEY_ID_CHARS]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    """The data keys by id, in the order given; the first is the one new values use."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, keys: Sequence[bytes]) -> Keyring:
        if not keys:
            raise DataKeyError(f"{VARIABLE} holds no key.")
        return cls(tuple((key_id(k), k) for k in keys))

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def _cipher(self, kid: str, context: str) -> AESGCM:
        for known, key in self.keys:
            if known == kid:
                return AESGCM(key)
        raise DataKeyError(
            f"A value in {context} was encrypted with data key {kid}, which {VARIABLE} does "
            f"not hold (it holds {', '.join(k for k, _ in self.keys)}). Set {VARIABLE} to the "
            "current key followed by the older ones."
        )

    def _open(self, kid: str, nonce: bytes, sealed: bytes, context: str) -> bytes:
        try:
            return self._cipher(kid, context).decrypt(nonce, sealed, context.encode())
        except InvalidTag:
            raise DataKeyError(
                f"A value in {context} does not decrypt with data key {kid} of {VARIABLE}: "
                "it was altered, or copied from another column."
            ) from None

    def _seal(self, plaintext: bytes, context: str) -> tuple[bytes, bytes]:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce, AESGCM(self.keys[0][1]).encrypt(nonce, plaintext, context.encode())

    def encrypt_text(self, text: str, context: str) -> str:
        nonce, sealed = self._seal(text.encode("utf-8"), context)
        return f"{VERSION}:{self.current_id}:{_b64(nonce)}:{_b64(sealed)}"

    def decrypt_text(self, value: str, context: str) -> str:
        """The plaintext of a token; a legacy plaintext (no token shape) as it is."""
        if not value.startswith(f"{VERSION}:"):
            return value
        match = _TEXT_TOKEN.fullmatch(value)
        if match is None:
            raise DataKeyError(f"A value in {context} is a damaged ciphertext.")
        kid, nonce, sealed = match.groups()
        try:
            raw_nonce, raw_sealed = _unb64(nonce), _unb64(sealed)
        except (binascii.Error, ValueError):
            raise DataKeyError(f"A value in {context} is a damaged ciphertext.") from None
        return self._open(kid, raw_nonce, raw_sealed, context).decode("utf-8")

    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        nonce, sealed = self._seal(data, context)
        return f"{VERSION}:{self.current_id}:".encode("ascii") + nonce + sealed

    def decrypt_bytes(self, value: bytes, context: str) -> bytes:
        """The plaintext of an encrypted blob; a legacy plaintext (no header) as it is."""
        if not value.startswith(f"{VERSION}:".encode("ascii")):
            return value
        match = _BYTES_PREFIX.match(value)
        if match is None or len(value) < _BYTES_HEADER + _NONCE_BYTES + _TAG_BYTES:
            raise DataKeyError(f"A value in {context} is a damaged ciphertext.")
        body = value[_BYTES_HEADER:]
        kid = match.group(1).decode("ascii")
        return self._open(kid, body[:_NONCE_BYTES], body[_NONCE_BYTES:], context)


def stored_key_id(header: str | bytes | None) -> str | None:
    """The key id at the start of a stored value (text, JSON text or bytes); None for a
    legacy plaintext. ``header`` may be just the value's first few dozen characters."""
    if header is None:
        return None
    if isinstance(header, str):
        header = header.lstrip('"').encode("utf-8", "replace")  # a JSON string starts with "
    match = _BYTES_PREFIX.match(header)
    return match.group(1).decode("ascii") if match else None


@lru_cache(maxsize=4)
def _keyring_of(keys: tuple[bytes, ...]) -> Keyring:
    return Keyring.of(keys)


def keyring() -> Keyring:
    """The keyring of the process's settings."""
    return _keyring_of(get_settings().data_keys)
