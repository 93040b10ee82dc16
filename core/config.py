"""One typed Settings object, read from the environment.

Every setting is a ``PEOPLEOS_*`` environment variable with a documented default
(see README). An invalid value raises :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///data/local/peopleos.db"
_SUPPORTED_DRIVERS = ("sqlite", "postgresql")
# Shared by the demo users only; documented in README, overridable for a public demo.
DEFAULT_DEMO_PASSWORD = "peopleos-demo-2026"
# Published here, so it signs cookies only for the test suite (PEOPLEOS_ENV=test); refused
# in production even when set explicitly.
_DEV_SECRET = "peopleos-dev-only-secret-change-me"
# Likewise published: encrypts data at rest only in the test suite, refused in production.
_DEV_DATA_KEY = base64.b64encode(b"peopleos-test-only-data-key-0032").decode("ascii")


class SettingsError(ValueError):
    """A setting in the environment is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of every PeopleOS process."""

    database_url: str
    secret_key: str
    environment: str
    data_dir: Path
    log_level: str
    demo_password: str
    session_hours: float
    startupos_url: str | None = None
    startupos_token: str | None = None
    slack_webhook_url: str | None = None
    smtp_url: str | None = None
    jd_corpus: Path | None = None  # CSV of reference job postings for role intelligence
    # Culture pulse aggregates show only for groups of at least this many respondents.
    pulse_min_group: int = 5
    # The worker opens a culture pulse every this many weeks (0: only when opened by hand).
    pulse_every_weeks: int = 4
    # Applications nobody hired are erased this many days after the person's latest
    # application (the careers page and the consent state it).
    candidate_retention_days: int = 365
    # Where people reach the web app: the start of links in emails (invitations).
    base_url: str = "http://localhost:8501"
    # Reverse proxies whose X-Forwarded-For is believed; from anyone else it is ignored.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Webhook endpoints may be on private or loopback addresses (and plain http): off by
    # default, so a registered URL cannot reach the servers behind PeopleOS.
    webhook_private_hosts: bool = False
    # AES-256 keys for personal data at rest (core.crypto); the first encrypts, all decrypt.
    data_keys: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def local_dir(self) -> Path:
        """Runtime state (SQLite file, model artifacts, indexes, uploads); git-ignored."""
        return self.data_dir / "local"


def _normalise_database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise SettingsError(f"PEOPLEOS_DATABASE_URL is not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend not in _SUPPORTED_DRIVERS:
        raise SettingsError(
            f"PEOPLEOS_DATABASE_URL uses '{backend}'; PeopleOS supports sqlite and postgresql."
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        # Plain postgresql:// would pick psycopg2, which is not installed; use psycopg 3.
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            # Relative SQLite paths are relative to the project, not the current directory.
            url = url.set(database=str(PROJECT_ROOT / path))
    return url.render_as_string(hide_password=False)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    environment = env.get("PEOPLEOS_ENV", "development").strip().lower()
    if environment not in ("development", "test", "production"):
        raise SettingsError(
            f"PEOPLEOS_ENV must be development, test or production, not '{environment}'."
        )
    data_dir = Path(env.get("PEOPLEOS_DATA_DIR", str(PROJECT_ROOT / "data")))
    secret = _secret_key(env.get("PEOPLEOS_SECRET_KEY", "").strip(), environment, data_dir)
    data_keys = _data_keys(env.get("PEOPLEOS_DATA_KEY", "").strip(), environment, data_dir)
    log_level = env.get("PEOPLEOS_LOG_LEVEL", "INFO").strip().upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(
            f"PEOPLEOS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not '{log_level}'."
        )
    return Settings(
        database_url=_normalise_database_url(
            env.get("PEOPLEOS_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        ),
        secret_key=secret,
        data_keys=data_keys,
        environment=environment,
        data_dir=data_dir,
        log_level=log_level,
        demo_password=env.get("PEOPLEOS_DEMO_PASSWORD", "").strip() or DEFAULT_DEMO_PASSWORD,
        session_hours=_session_hours(env.get("PEOPLEOS_SESSION_HOURS", "8")),
        startupos_url=_http_url(env, "PEOPLEOS_STARTUPOS_URL"),
        startupos_token=env.get("PEOPLEOS_STARTUPOS_TOKEN", "").strip() or None,
        slack_webhook_url=_http_url(env, "PEOPLEOS_SLACK_WEBHOOK_URL"),
        smtp_url=_smtp_url(env),
        jd_corpus=_existing_file(env, "PEOPLEOS_JD_CORPUS"),
        trusted_proxies=_networks(env.get("PEOPLEOS_TRUSTED_PROXIES", "")),
        base_url=(_http_url(env, "PEOPLEOS_BASE_URL") or "http://localhost:8501").rstrip("/"),
        pulse_min_group=_pulse_min_group(env.get("PEOPLEOS_PULSE_MIN_GROUP", "5")),
        pulse_every_weeks=_pulse_every_weeks(env.get("PEOPLEOS_PULSE_EVERY_WEEKS", "4")),
        webhook_private_hosts=_flag(env, "PEOPLEOS_WEBHOOK_PRIVATE_HOSTS"),
        candidate_retention_days=_retention_days(
            env.get("PEOPLEOS_CANDIDATE_RETENTION_DAYS", "365")
        ),
    )


def _secret_key(given: str, environment: str, data_dir: Path) -> str:
    """The key that signs session cookies.

    Production must set its own; the key published in this source is refused there. The
    test suite uses that published key; any other run without a key gets a random one,
    made on first start and kept in the local data folder (readable by its owner only), so
    nobody can sign a cookie for it from the source.
    """
    if given:
        if len(given) < 32:
            raise SettingsError("PEOPLEOS_SECRET_KEY must be at least 32 characters long.")
        if environment == "production" and given == _DEV_SECRET:
            raise SettingsError(
                "PEOPLEOS_SECRET_KEY is the development key published in the source; set a "
                "secret one in production."
            )
        return given
    if environment == "production":
        raise SettingsError("PEOPLEOS_SECRET_KEY must be set in production.")
    if environment == "test":
        return _DEV_SECRET
    return _local_secret(data_dir / "local" / "secret_key")


def _data_keys(given: str, environment: str, data_dir: Path) -> tuple[bytes, ...]:
    """The keys that encrypt personal data at rest: ``key[,older_key,...]``.

    Each key is 32 bytes in base64 (``python -c "import os,base64;
    print(base64.b64encode(os.urandom(32)).decode())"``); the first encrypts, the others
    only decrypt until ``privacy rotate-key`` has moved everything to the first. Production
    must set it and may not use the key published here for the test suite; development
    makes a random key on first start, kept in the local data folder like the session key.
    """
    if not given:
        if environment == "production":
            raise SettingsError("PEOPLEOS_DATA_KEY must be set in production.")
        given = (
            _DEV_DATA_KEY
            if environment == "test"
            else _local_secret(
                data_dir / "local" / "data_key",
                lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            )
        )
    keys = []
    for position, part in enumerate((p.strip() for p in given.split(",")), start=1):
        try:
            key = base64.b64decode(part, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise SettingsError(
                f"PEOPLEOS_DATA_KEY: key {position} is not 32 bytes in base64 (AES-256)."
            )
        if key in keys:
            raise SettingsError(f"PEOPLEOS_DATA_KEY: key {position} is given twice.")
        keys.append(key)
    if environment == "production" and keys[0] == base64.b64decode(_DEV_DATA_KEY):
        raise SettingsError(
            "PEOPLEOS_DATA_KEY is the test key published in the source; set a secret one in "
            "production."
        )
    return tuple(keys)


def _local_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """The key kept at ``path``, made (mode 600) by ``make`` in whichever process starts
    first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this very moment
            key = path.read_text().strip()
            if len(key) >= 32:
                return key
            time.sleep(0.02)
        raise SettingsError(f"{path} does not hold a key; delete it to make a new one.") from None
    with os.fdopen(fd, "w") as out:
        out.write(make())
    return path.read_text().strip()


def _existing_file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        raise SettingsError(f"{name} must name an existing file; '{raw}' is not one.")
    return path


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, not '{value}'.")


def _http_url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, not '{raw}'.")
    return raw.rstrip("/")


def _smtp_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("PEOPLEOS_SMTP_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError(
            "PEOPLEOS_SMTP_URL must look like smtp://user:password@host:587?from=hr@example.com"
        )
    return raw


def _networks(raw: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or CIDR blocks, e.g. ``127.0.0.1, 10.0.0.0/8``."""
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            raise SettingsError(
                f"PEOPLEOS_TRUSTED_PROXIES: '{part}' is not an IP address or CIDR block."
            ) from None
    return tuple(networks)


def _pulse_min_group(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"PEOPLEOS_PULSE_MIN_GROUP must be a whole number, not '{raw}'."
        ) from None
    if value < 3:
        raise SettingsError("PEOPLEOS_PULSE_MIN_GROUP is at least 3: smaller groups expose people.")
    return value


def _pulse_every_weeks(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"PEOPLEOS_PULSE_EVERY_WEEKS must be a whole number, not '{raw}'."
        ) from None
    if not 0 <= value <= 52:
        raise SettingsError("PEOPLEOS_PULSE_EVERY_WEEKS is 0 (off) to 52.")
    return value


def _retention_days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"PEOPLEOS_CANDIDATE_RETENTION_DAYS must be a whole number, not '{raw}'."
        ) from None
    if not 30 <= value <= 3650:
        raise SettingsError("PEOPLEOS_CANDIDATE_RETENTION_DAYS is 30 to 3650 days.")
    return value


def _session_hours(raw: str) -> float:
    try:
        hours = float(raw)
    except ValueError:
        raise SettingsError(f"PEOPLEOS_SESSION_HOURS must be a number, not '{raw}'.") from None
    if not 0.25 <= hours <= 72:
        raise SettingsError("PEOPLEOS_SESSION_HOURS must be between 0.25 and 72 hours.")
    return hours


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()


def worker_intervals(env: Mapping[str, str] | None = None) -> dict[str, float]:
    """Worker timing in seconds, from PEOPLEOS_WORKER_* (defaults suit production)."""
    source = os.environ if env is None else env
    defaults = {"outbox": 60.0, "requests": 10.0, "lease": 60.0}
    out = {}
    for key, default in defaults.items():
        name = f"PEOPLEOS_WORKER_{key.upper()}_SECONDS"
        try:
            value = float(source.get(name, default))
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds.") from None
        if not 0.5 <= value <= 86_400:
            raise SettingsError(f"{name} must be between 0.5 and 86400 seconds.")
        out[key] = value
    return out


@dataclass(frozen=True)
class ABSettings:
    """The A/B test of a company's challenger model against its champion."""

    share: float  # of candidates the challenger scores (0: no split, the champion scores all)
    min_outcomes: int  # per arm, before the worker decides a promotion


def ab_settings(env: Mapping[str, str] | None = None) -> ABSettings:
    """From PEOPLEOS_AB_SHARE (default 0.2) and PEOPLEOS_AB_MIN_OUTCOMES (default 30)."""
    source = os.environ if env is None else env
    try:
        share = float(source.get("PEOPLEOS_AB_SHARE", 0.2))
        min_outcomes = int(source.get("PEOPLEOS_AB_MIN_OUTCOMES", 30))
    except ValueError:
        raise SettingsError(
            "PEOPLEOS_AB_SHARE must be a number and PEOPLEOS_AB_MIN_OUTCOMES a whole number."
        ) from None
    if not 0.0 <= share <= 0.5:
        # More than half would make the untested model the one most people get.
        raise SettingsError("PEOPLEOS_AB_SHARE must be between 0 and 0.5.")
    if min_outcomes < 10:
        raise SettingsError("PEOPLEOS_AB_MIN_OUTCOMES must be at least 10.")
    return ABSettings(share, min_outcomes)


@dataclass(frozen=True)
class RetrainSettings:
    """When the worker retrains a company's models."""

    after_outcomes: int  # as soon as this many people have new outcomes
    every_days: int  # or once this many days have passed, when any outcome is new


def retrain_settings(env: Mapping[str, str] | None = None) -> RetrainSettings:
    """From PEOPLEOS_RETRAIN_AFTER_OUTCOMES (default 20) and PEOPLEOS_RETRAIN_EVERY_DAYS
    (default 7)."""
    source = os.environ if env is None else env
    try:
        after = int(source.get("PEOPLEOS_RETRAIN_AFTER_OUTCOMES", 20))
        every = int(source.get("PEOPLEOS_RETRAIN_EVERY_DAYS", 7))
    except ValueError:
        raise SettingsError(
            "PEOPLEOS_RETRAIN_AFTER_OUTCOMES and PEOPLEOS_RETRAIN_EVERY_DAYS must be whole numbers."
        ) from None
    if after < 1 or every < 1:
        raise SettingsError(
            "PEOPLEOS_RETRAIN_AFTER_OUTCOMES and PEOPLEOS_RETRAIN_EVERY_DAYS must be at least 1."
        )
    return RetrainSettings(after, every)
