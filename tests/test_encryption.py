"""Encryption at rest: resumes, resume files and self-identification answers.

AES-256-GCM under PEOPLEOS_DATA_KEY: round trips, clear errors for a wrong key or an altered
value, no resume phrase or self-ID answer in the raw database, and key rotation that can
stop part-way and carry on.
"""

from __future__ import annotations

import base64
import os
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from core.config import _DEV_DATA_KEY, SettingsError, get_settings, load_settings
from core.crypto import DataKeyError, Keyring, key_id
from core.db import Database
from core.models import Base, Candidate, CandidateDocument, Role, SelfIdentification
from core.services import encryption, intake, model_registry
from core.services.intake import Application
from tests.helpers import run_cli
from tests.test_intake import _Encoder, _pdf

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
PHRASES = (
    "Zanzibar Quokka Logistics",
    "sourdough telemetry pipelines",
    "Wexford Polytechnic of Lutes",
)
RESUME = (
    "Ottilie Brandywine\nottilie.b@example.com\nExperience\n"
    "Staff Platform Engineer - Zanzibar Quokka Logistics | Jan 2019 - Present\n"
    "Built sourdough telemetry pipelines in Python and Kafka, shipped weekly\n"
    "Skills\nPython, PostgreSQL, Kubernetes, Kafka\n"
    "Education\nBSc Computer Science, Wexford Polytechnic of Lutes (2014)\n"
)
SELF_ID = {"gender": "Prefer to self-describe", "ethnicity": "Middle Eastern or North African"}


def _key() -> bytes:
    return os.urandom(32)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


# --------------------------------------------------------------------------- unit


def test_text_bytes_and_json_round_trip_and_never_repeat() -> None:
    ring = Keyring.of([_key()])
    token = ring.encrypt_text("Zürich résumé", "candidates.resume_text")
    assert token.startswith(f"v1:{ring.current_id}:") and "Zürich" not in token
    assert ring.decrypt_text(token, "candidates.resume_text") == "Zürich résumé"
    assert ring.encrypt_text("same", "t.c") != ring.encrypt_text("same", "t.c")  # fresh nonce
    blob = ring.encrypt_bytes(b"%PDF-1.7 resume", "candidate_documents.content")
    assert b"resume" not in blob
    assert ring.decrypt_bytes(blob, "candidate_documents.content") == b"%PDF-1.7 resume"
    # Values from before encryption read as they are (rotate-key encrypts them).
    assert ring.decrypt_text("plain resume", "t.c") == "plain resume"
    assert ring.decrypt_bytes(b"%PDF-legacy", "t.c") == b"%PDF-legacy"


def test_a_wrong_key_is_a_clear_error_naming_the_variable() -> None:
    right, wrong = Keyring.of([_key()]), Keyring.of([_key()])
    token = right.encrypt_text("Quokka", "candidates.resume_text")
    with pytest.raises(DataKeyError, match="PEOPLEOS_DATA_KEY") as caught:
        wrong.decrypt_text(token, "candidates.resume_text")
    assert right.current_id in str(caught.value) and "Quokka" not in str(caught.value)
    with pytest.raises(DataKeyError, match="PEOPLEOS_DATA_KEY"):
        wrong.decrypt_bytes(right.encrypt_bytes(b"x", "t.c"), "t.c")
    # With the old key listed after the new one, old values still read.
    both = Keyring((wrong.keys[0], right.keys[0]))
    assert both.decrypt_text(token, "candidates.resume_text") == "Quokka"


def test_an_altered_or_moved_ciphertext_is_refused() -> None:
    ring = Keyring.of([_key()])
    token = ring.encrypt_text("resume", "candidates.resume_text")
    prefix, last = token[:-3], token[-3]
    altered = prefix + ("A" if last != "A" else "B") + token[-2:]
    for bad in (altered, token[:-4], token + "x!", "v1:0000"):
        with pytest.raises(DataKeyError, match="PEOPLEOS_DATA_KEY|damaged"):
            ring.decrypt_text(bad, "candidates.resume_text")
    with pytest.raises(DataKeyError, match="copied from another column"):
        ring.decrypt_text(token, "self_id.answers")
    blob = bytearray(ring.encrypt_bytes(b"%PDF file", "t.c"))
    blob[-1] ^= 1
    with pytest.raises(DataKeyError):
        ring.decrypt_bytes(bytes(blob), "t.c")


def test_the_data_key_setting() -> None:
    assert load_settings({"PEOPLEOS_ENV": "test"}).data_keys == (base64.b64decode(_DEV_DATA_KEY),)
    new, old = _key(), _key()
    settings = load_settings({"PEOPLEOS_DATA_KEY": f"{_b64(new)}, {_b64(old)}"})
    assert settings.data_keys == (new, old) and _b64(new) not in repr(settings)
    secret = {"PEOPLEOS_ENV": "production", "PEOPLEOS_SECRET_KEY": "s" * 40}
    for env, message in (
        (secret, "PEOPLEOS_DATA_KEY must be set in production"),
        ({**secret, "PEOPLEOS_DATA_KEY": _DEV_DATA_KEY}, "PEOPLEOS_DATA_KEY is the test key"),
        ({"PEOPLEOS_DATA_KEY": "not base64!"}, "PEOPLEOS_DATA_KEY: key 1"),
        ({"PEOPLEOS_DATA_KEY": f"{_b64(new)},{_b64(b'short')}"}, "PEOPLEOS_DATA_KEY: key 2"),
        ({"PEOPLEOS_DATA_KEY": f"{_b64(new)},{_b64(new)}"}, "given twice"),
    ):
        with pytest.raises(SettingsError, match=message):
            load_settings(env)
    assert load_settings({**secret, "PEOPLEOS_DATA_KEY": _b64(new)}).data_keys == (new,)


def test_development_makes_its_own_data_key_once(tmp_path: Path) -> None:
    one = load_settings({"PEOPLEOS_DATA_DIR": str(tmp_path)}).data_keys
    assert len(one) == 1 and len(one[0]) == 32 and one[0] != base64.b64decode(_DEV_DATA_KEY)
    assert load_settings({"PEOPLEOS_DATA_DIR": str(tmp_path)}).data_keys == one
    assert stat.S_IMODE((tmp_path / "local" / "data_key").stat().st_mode) == 0o600


# --------------------------------------------------------------------------- database


def _apply(db: Database) -> intake.Receipt:
    """An application through the public intake service, with its slow half (scoring)."""
    with db.uow() as uow:
        role = uow.session.scalars(
            select(Role.id).where(Role.status == "active").order_by(Role.title)
        ).first()
    app = Application(
        role_id=role,
        full_name="Ottilie Brandywine",
        email=f"ottilie.{uuid.uuid4().hex[:6]}@example.com",
        resume=_pdf(RESUME),
        resume_filename="cv.pdf",
        consent=True,
        self_id=SELF_ID,
    )
    receipt = intake.submit_application(db.uow(), app, client="198.51.100.7", now=NOW)
    assert intake.complete_application(
        db.uow(),
        receipt.company_id,
        receipt.candidate_id,
        now=NOW + timedelta(seconds=3),
        encoder=_Encoder(),
        models=model_registry.load_models(),
    )
    return receipt


def _dump(db: Database) -> str:
    """Every row of every table as the database returns it, undecrypted."""
    parts = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


@pytest.mark.db
def test_no_resume_phrase_or_self_id_answer_is_stored_in_the_clear(world: Database) -> None:
    receipt = _apply(world)
    secrets = [*PHRASES, *SELF_ID.values()]
    with world.uow() as uow:
        c = uow.session.get(Candidate, receipt.candidate_id)
        assert all(p in c.resume_text for p in PHRASES)  # the services read plaintext
        assert c.fit_score is not None and "Kafka" in c.resume_profile["skills"]
        doc = uow.session.scalars(
            select(CandidateDocument).where(CandidateDocument.candidate_id == c.id)
        ).one()
        assert doc.content.startswith(b"%PDF")
        answers = uow.session.scalars(
            select(SelfIdentification.answers).where(SelfIdentification.candidate_id == c.id)
        ).one()
        assert answers == SELF_ID
    dump = _dump(world)
    assert "Ottilie" in dump  # the name is not encrypted: the dump can see what it looks for
    assert [s for s in secrets if s.lower() in dump.lower()] == []
    with world.engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT resume_text, content FROM candidates JOIN candidate_documents d "
                "ON d.candidate_id = candidates.id WHERE candidates.id = :id"
            ),
            {
                "id": receipt.candidate_id.hex
                if world.url.startswith("sqlite")
                else receipt.candidate_id
            },
        ).one()
        assert stored[0].startswith("v1:") and bytes(stored[1]).startswith(b"v1:")
        if world.engine.dialect.name == "postgresql":
            as_text = conn.execute(
                text("SELECT resume_text::text FROM candidates WHERE id = :id"),
                {"id": receipt.candidate_id},
            ).scalar_one()
            assert as_text.startswith(f"v1:{key_id(get_settings().data_keys[0])}:")
    if world.url.startswith("sqlite"):
        world.engine.dispose()  # the last connection folds the WAL into the file
        path = Path(world.url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"Ottilie" in raw
        assert [s for s in secrets if s.encode() in raw] == []


def _readable(db: Database) -> dict[str, object]:
    """Every encrypted value of the database, decrypted (raises if one does not decrypt)."""
    with db.uow() as uow:
        s = uow.session
        return {
            "candidates": sorted(
                (str(c.id), c.resume_text or "", str(c.resume_profile), str(c.fit_breakdown))
                for c in s.scalars(select(Candidate))
            ),
            "documents": sorted(
                (str(d.id), d.content) for d in s.scalars(select(CandidateDocument))
            ),
            "self_id": sorted(
                (str(i.id), str(i.answers)) for i in s.scalars(select(SelfIdentification))
            ),
        }


def _counts(db: Database) -> dict[str, dict[str, int]]:
    return {k: dict(v) for k, v in encryption.data_key_counts(db.uow()).items() if v}


@pytest.mark.db
def test_rotate_key_re_encrypts_everything_and_carries_on_after_a_stop(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = get_settings().data_keys[0]
    old_id = key_id(old)
    receipt = _apply(world)
    # A row from before encryption: its plaintext reads as it is until the rotation.
    with world.uow() as uow:
        uow.session.execute(
            update(Candidate.__table__)
            .where(Candidate.__table__.c.id == receipt.candidate_id)
            .values(resume_text=text("'legacy plain resume'"))
        )
        uow.commit()
    before = _readable(world)
    start = _counts(world)
    assert set(start["candidates.resume_text"]) == {old_id, encryption.PLAINTEXT}
    assert set(start["self_id.answers"]) == {old_id}
    total = {column: sum(by_key.values()) for column, by_key in start.items()}

    new = _key()
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", f"{_b64(new)},{_b64(old)}")
    first = run_cli(
        "privacy", "rotate-key", "--batch-size", "7", "--max-batches", "1", url=world.url
    )
    assert first.returncode == 0, first.stderr
    assert "Stopped after 1 batch(es), 7 value(s) re-encrypted" in first.stdout
    get_settings.cache_clear()
    halfway = _counts(world)
    assert sum(n for by_key in halfway.values() for k, n in by_key.items() if k == key_id(new)) == 7
    assert _readable(world) == before  # old and new keys side by side

    rest = run_cli("privacy", "rotate-key", "--batch-size", "50", url=world.url)
    assert rest.returncode == 0, rest.stderr
    assert f"under key {key_id(new)}" in rest.stdout
    assert "candidates.resume_text: " in rest.stdout
    again = run_cli("privacy", "rotate-key", url=world.url)
    assert "Done: 0 value(s) re-encrypted" in again.stdout  # nothing left: idempotent

    # Only the new key is needed now; the old one decrypts nothing any more.
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", _b64(new))
    get_settings.cache_clear()
    assert _counts(world) == {column: {key_id(new): n} for column, n in total.items()}
    assert _readable(world) == before
    with world.uow() as uow:
        assert uow.session.get(Candidate, receipt.candidate_id).resume_text == "legacy plain resume"

    # Without the key that encrypted them, values are a clear error, in the CLI too.
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", _b64(old))
    get_settings.cache_clear()
    with pytest.raises(DataKeyError, match="PEOPLEOS_DATA_KEY"):
        _readable(world)
    refused = run_cli("privacy", "rotate-key", url=world.url)
    assert refused.returncode == 2 and "PEOPLEOS_DATA_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr

    # Back to the module's key, so later tests of this module read the world.
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", f"{_b64(old)},{_b64(new)}")
    assert run_cli("privacy", "rotate-key", url=world.url).returncode == 0
    monkeypatch.delenv("PEOPLEOS_DATA_KEY")
    get_settings.cache_clear()
    assert _readable(world) == before


@pytest.mark.db
def test_the_app_says_when_the_data_key_does_not_fit(
    world_app: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception and not at.error  # the right key: the login form
    monkeypatch.setenv("PEOPLEOS_DATA_KEY", _b64(_key()))
    get_settings.cache_clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "PEOPLEOS\\_DATA\\_KEY" in at.error[0].value
