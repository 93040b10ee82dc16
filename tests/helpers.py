"""Test helpers: logged-in AppTests, the CLI run in-process, and independent SQL to check
pages and services."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import secrets
import statistics
import subprocess
import sys
import uuid
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.config import get_settings
from core.db import Database
from core.models import Candidate, Company, Hire, Role, User, UserSession
from core.services import auth
from ml.embeddings import Embedder
from pages._session import SESSION_KEY


def actor_of_role(db: Database, company_id: uuid.UUID, role: str = "talent_lead") -> auth.Actor:
    """The signed-in actor of the company's first user with ``role``."""
    with db.uow() as uow:
        username = uow.session.scalars(
            select(User.username).where(User.company_id == company_id, User.role == role)
        ).first()
    actor = auth.load_actor(db.uow(), username)
    assert actor is not None
    return actor


def company_ids_by_name(db: Database) -> dict[str, uuid.UUID]:
    with db.uow() as uow:
        return {c.name: c.id for c in uow.session.scalars(select(Company))}


def expected_overview(db: Database, company_id: uuid.UUID) -> dict[str, int]:
    """The overview's figures computed straight from the tables."""
    with db.uow() as uow:
        s = uow.session
        open_roles = s.scalar(
            select(func.count()).where(Role.company_id == company_id, Role.status == "active")
        )
        active = s.scalar(
            select(func.count()).where(
                Candidate.company_id == company_id,
                Candidate.status.in_(("applied", "screening", "interview", "offer")),
            )
        )
        spans = s.execute(
            select(Candidate.created_at, Hire.created_at)
            .join(Hire, Hire.candidate_id == Candidate.id)
            .where(Hire.company_id == company_id)
        ).all()
    days = sorted((hired - applied).days for applied, hired in spans)
    return {
        "Open roles": open_roles,
        "Active pipeline": active,
        "Hires": len(days),
        "Median days to hire": round(statistics.median(days)),
    }


APP = Path(__file__).resolve().parents[1] / "app.py"


def open_session(username: str, database_url: str | None = None) -> str:
    """A live login session of ``username`` (as the login form opens one, without the
    password): the token its cookie would carry."""
    url = database_url or get_settings().database_url
    token = secrets.token_urlsafe(32)
    database = Database(url)
    try:
        with database.uow() as uow:
            user = uow.session.scalars(select(User).where(User.username == username)).one()
            uow.session.add(
                UserSession(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=user.id,
                    company_id=user.company_id,
                    expires_at=datetime.now(UTC) + timedelta(hours=8),
                )
            )
            uow.commit()
    finally:
        database.dispose()
    return token


def login_app(username: str, page: str | None = None) -> AppTest:
    """Run app.py as ``username`` (as after a login), optionally switched to ``page``."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state[SESSION_KEY] = open_session(username)
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    return at


def run_cli(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m core.cli *args` against ``url``, run in this process (no seconds of imports
    per call): its exit code and output, as from a subprocess. ``stdin`` is what it reads."""
    from core import cli
    from core.config import get_settings

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEOPLEOS_DATABASE_URL", url)
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        get_settings.cache_clear()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = cli.main(list(args))
                except SystemExit as exc:  # argparse refusing the arguments
                    code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        finally:
            get_settings.cache_clear()
    command = [sys.executable, "-m", "core.cli", *args]
    return subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())


# Shared by every test process of the checkout (git-ignored, like the trained prior).
EMBEDDING_CACHE = Path(__file__).resolve().parents[1] / "data" / "local" / "test-embeddings"


class CachingEmbedder(Embedder):
    """The MiniLM embedder, embedding each distinct text once per test run: for test modules
    that feed the same texts (role library, real resumes, the demo world's resumes) to many
    calls, and to the SQLite and the PostgreSQL run side by side.

    Vectors are kept in memory and on disk (``data/local/test-embeddings``, one file per
    model and text, written atomically); a text missing there is embedded under a lock, so
    when two processes need the same texts one embeds them and the other reads them. The
    vectors are the model's own: a cache changes how often it runs, not what it returns.
    """

    def __init__(self) -> None:
        self._vectors: dict[str, np.ndarray] = {}
        self._folder = EMBEDDING_CACHE

    def _file(self, text: str) -> Path:
        key = hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()
        return self._folder / f"{key}.npy"

    def _read(self, texts: list[str]) -> list[str]:
        """Load the texts' vectors found on disk; return the texts still missing."""
        missing = []
        for text in texts:
            path = self._file(text)
            if path.exists():
                self._vectors[text] = np.load(path)
            else:
                missing.append(text)
        return missing

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return super().encode(texts)
        missing = self._read([t for t in dict.fromkeys(texts) if t not in self._vectors])
        if missing:
            self._folder.mkdir(parents=True, exist_ok=True)
            with (self._folder / ".lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    missing = self._read(missing)  # another process may have embedded them
                    if missing:
                        for text, vector in zip(missing, super().encode(missing), strict=True):
                            self._vectors[text] = vector
                            temporary = self._file(text).with_suffix(f".{os.getpid()}.tmp")
                            with temporary.open("wb") as out:
                                np.save(out, vector)
                            temporary.replace(self._file(text))
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        return np.vstack([self._vectors[t] for t in texts])
