"""Passwords: bcrypt hashing and the password policy."""

from __future__ import annotations

import bcrypt

from core.services.errors import ValidationError

MIN_PASSWORD_LENGTH = 12
# bcrypt only reads the first 72 bytes; longer passwords would silently share a hash.
MAX_PASSWORD_BYTES = 72
_COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiop12",
        "iloveyou1234",
        "passwordpassword",
        "letmeinletmein",
        "welcome12345",
        "administrator",
        "changeme1234",
        "correcthorsebatterystaple",
    }
)


def check_password_policy(password: str) -> None:
    """Raise ValidationError unless the password is long enough and not a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"Password must be at most {MAX_PASSWORD_BYTES} bytes long.")
    if password.lower() in _COMMON_PASSWORDS:
        raise ValidationError("That password is too common; choose another.")


def hash_password(password: str, rounds: int = 12) -> str:
    check_password_policy(password)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False
