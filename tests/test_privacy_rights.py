"""Data-subject rights: export, erasure (nothing of the person left in the database or the
data directory, the company's figures unchanged), the retention rule, and the careers page's
email-verified requests."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.config import get_settings
from core.db import Database
from core.models import (
    AuditLog,
    Base,
    Candidate,
    CandidateDocument,
    CandidateEmbedding,
    CandidateMerge,
    CandidateStageEvent,
    Consent,
    Hire,
    Interview,
    ModelVersion,
    Notification,
    Outcome,
    Prediction,
    PrivacyRequest,
    Role,
)
from core.services import intake, privacy, privacy_requests, search
from core.services.auth import Actor
from core.services.errors import PermissionDeniedError, ValidationError
from tests.helpers import actor_of_role, expected_overview, run_cli

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _resume(name: str, email: str, phrases: tuple[str, str, str]) -> str:
    return (
        f"{name}\n{email}\n\nExperience\n"
        "Backend Engineer, Ledgerly (Series A startup), Jan 2021 - Present\n"
        f"- {phrases[0]} in Python on AWS\n- Designed the {phrases[1]} for payments\n\n"
        f"Education\nBSc Computer Science (2019); {phrases[2]}\n"
    )


class Person:
    """A made-up applicant whose name, email and resume phrases appear nowhere else."""

    def __init__(self, tag: str) -> None:
        word = uuid.uuid4().hex[:6]
        self.name = f"Zebulon {tag.capitalize()}{word}"
        self.email = f"zeb.{tag}.{word}@example.org"
        self.phrases = (
            f"Orchestrated the marmalade{word} ledger migration",
            f"pelican{word} queue protocol",
            f"captained the halvorsen{word} robotics club",
        )

    @property
    def terms(self) -> list[str]:
        return [self.name, self.email, *self.phrases]


def _roles(db: Database) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Role.company_id, Role.id).where(Role.status == "active").order_by(Role.title)
        ).all()
    company = rows[0][0]
    return company, [r for c, r in rows if c == company]


def _plant(db: Database, person: Person, index_dir: Path, n: int = 2) -> list[uuid.UUID]:
    """The person applies ``n`` times (confirmation emails, self-id), and leaves traces in
    every other place that can name them; their embeddings go into the FAISS index."""
    company, roles = _roles(db)
    ids = []
    for i in range(n):
        receipt = intake.submit_application(
            db.uow(),
            intake.Application(
                role_id=roles[i % len(roles)],
                full_name=person.name,
                email=person.email,
                resume=_resume(person.name, person.email, person.phrases).encode(),
                resume_filename="cv.txt",
                consent=True,
                self_id={"gender": "Prefer not to say"},
                answers={"Why this role?": person.phrases[1]},
            ),
            client=f"198.51.100.{uuid.uuid4().int % 200}",
            now=NOW - timedelta(days=i),
            send_confirmation=True,
        )
        ids.append(receipt.candidate_id)
    rng = np.random.default_rng(len(person.name))
    with db.uow() as uow:
        s = uow.session
        for cid in ids:
            vector = rng.normal(size=384).astype(np.float32)
            s.add(
                CandidateEmbedding(
                    candidate_id=cid,
                    company_id=company,
                    model="test",
                    vector=(vector / np.linalg.norm(vector)).astype(np.float32).tobytes(),
                    text_sha256="0" * 64,
                    updated_at=NOW,
                )
            )
        s.add(
            CandidateStageEvent(
                company_id=company,
                candidate_id=ids[0],
                from_status="applied",
                to_status="screening",
                reason=f"{person.name} mentioned the {person.phrases[1]}",
                actor="test",
            )
        )
        s.add(
            Interview(
                company_id=company,
                candidate_id=ids[0],
                feedback={"strengths": person.phrases[0]},
                questions=[{"question": f"Tell us about the {person.phrases[2]}"}],
            )
        )
        s.add(
            AuditLog(
                company_id=company,
                actor="talent",
                action="candidate.viewed",
                entity_type="note",
                summary={"note": f"Spoke with {person.name}"},
            )
        )
        s.add(
            CandidateMerge(
                company_id=company,
                survivor_id=ids[0],
                merged_candidate_id=uuid.uuid4(),
                reason="same_email",
                actor="test",
                snapshot={"email": person.email, "full_name": person.name},
            )
        )
        s.add(
            Notification(
                company_id=company,
                event_type="candidate.new",
                channel="slack",
                subject="New application",
                body=f"{person.name} applied",
                dedupe_key=f"test:{uuid.uuid4()}",
            )
        )
        prediction = Prediction(
            company_id=company,
            entity_type="candidate",
            entity_id=ids[0],
            prediction_type="fit_score",
            predicted_value=0.5,
            model_version="test",
            features={"features": {"skills_fit": 40.0}, "note": person.name},
        )
        s.add(prediction)
        s.flush()
        s.add(Outcome(company_id=company, prediction_id=prediction.id, actual_value=0.0))
        uow.commit()
        search.company_index(uow, company, index_dir)
    privacy_requests.request_data(
        db.uow(), roles[0], person.email, client=f"203.0.113.{uuid.uuid4().int % 250}", now=NOW
    )
    return ids


def _dump(db: Database) -> str:
    """Every row of every table, as text (bytes decoded too), lower case."""
    parts = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        parts.append(value.decode("utf-8", "ignore"))
                    parts.append(json.dumps(value, default=str, ensure_ascii=False))
    return "\n".join(parts).lower()


def _files(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes().lower() for p in folder.rglob("*") if p.is_file())


def _figures(db: Database, company: uuid.UUID) -> dict[str, object]:
    """The company's aggregates: the Overview, counts by stage, hires, model metrics."""
    with db.uow() as uow:
        s = uow.session

        def count(model: type[Base]) -> int:
            return s.scalar(
                select(func.count()).select_from(model).where(model.company_id == company)  # type: ignore[attr-defined]
            )

        stages = s.execute(
            select(CandidateStageEvent.to_status, func.count())
            .where(CandidateStageEvent.company_id == company)
            .group_by(CandidateStageEvent.to_status)
        ).all()
        statuses = s.execute(
            select(Candidate.status, func.count(), func.sum(Candidate.fit_score))
            .where(Candidate.company_id == company)
            .group_by(Candidate.status)
        ).all()
        people = s.scalar(
            select(func.count(func.distinct(Candidate.person_id))).where(
                Candidate.company_id == company
            )
        )
        metrics = sorted(
            json.dumps(m, sort_keys=True) for m in s.scalars(select(ModelVersion.metrics))
        )
        predictions = s.execute(
            select(Prediction.prediction_type, func.count(), func.sum(Prediction.predicted_value))
            .where(Prediction.company_id == company)
            .group_by(Prediction.prediction_type)
        ).all()
    return {
        "overview": expected_overview(db, company),
        "stages": sorted(stages),
        "statuses": sorted(statuses, key=str),
        "people": people,
        "hires": count(Hire),
        "interviews": count(Interview),
        "outcomes": count(Outcome),
        "predictions": sorted(predictions, key=str),
        "metrics": metrics,
    }


def test_after_privacy_erase_nothing_of_the_person_is_left_and_the_figures_stay(
    world: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    index_dir = data_dir / "local" / "indexes"
    person, other = Person("erase"), Person("stays")
    ids = _plant(world, person, index_dir)
    _plant(world, other, index_dir, n=1)
    company, _ = _roles(world)
    dump = _dump(world)
    for term in person.terms:  # the test can fail: everything is there before
        assert term.lower() in dump, term
    before = _figures(world, company)
    index_before = (index_dir / f"{company}.faiss").read_bytes()

    monkeypatch.setenv("PEOPLEOS_DATA_DIR", str(data_dir))
    name = str(company)
    refused = run_cli("privacy", "erase", "--company", name, "--email", person.email, url=world.url)
    assert refused.returncode == 1 and "Would erase: 2 application(s)" in refused.stdout
    assert person.email in _dump(world)  # without --yes nothing changed
    done = run_cli(
        "privacy", "erase", "--company", name, "--email", person.email.upper(), "--yes",
        url=world.url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Erased: 2 application(s)" in done.stdout

    dump = _dump(world)
    files = _files(data_dir)
    for term in person.terms:
        assert term.lower() not in dump, term
        assert term.lower().encode() not in files, term
    for term in other.terms:
        assert term.lower() in dump, term  # the other applicant is untouched
    assert (index_dir / f"{company}.faiss").read_bytes() != index_before  # rebuilt without them
    with world.uow() as uow:
        index = search.company_index(uow, company, index_dir)
    assert index is not None and not any(str(i) in index for i in ids)
    if world.engine.dialect.name == "sqlite":
        with world.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(make_url(world.url).database or "")
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).lower()
        for term in person.terms:
            assert term.lower().encode() not in raw, term

    assert _figures(world, company) == before
    with world.uow() as uow:
        kept = uow.session.scalars(select(Candidate).where(Candidate.id.in_(ids))).all()
        assert len(kept) == 2 and all(c.full_name is None and c.resume_text is None for c in kept)
        for model in (CandidateDocument, CandidateEmbedding, Consent):
            assert not uow.session.scalars(select(model).where(model.candidate_id.in_(ids))).all()
        record = uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "privacy.erased")
        ).all()
    assert [r.summary["email_sha256"] for r in record] == [privacy.email_sha256(person.email)]


def test_export_holds_every_row_about_the_person_and_nothing_about_anyone_else(
    world: Database, tmp_path: Path
) -> None:
    person, other = Person("export"), Person("neighbour")
    ids = _plant(world, person, tmp_path)
    _plant(world, other, tmp_path, n=1)
    company, _ = _roles(world)
    admin = actor_of_role(world, company, "admin")
    data = privacy.export_person(world.uow(), admin, person.email, NOW)
    text_ = privacy.export_json(data).lower()
    assert {c["id"] for c in data["candidates"]} == {str(i) for i in ids}
    for term in person.terms:
        assert term.lower() in text_, term
    for term in other.terms:
        assert term.lower() not in text_, term
    files = [base64.b64decode(d["content"]["base64"]) for d in data["candidate_documents"]]
    assert len(files) == 2 and all(person.phrases[0].encode() in f for f in files)
    for table in (
        "consents", "self_id", "candidate_stage_events", "candidate_embeddings", "interviews",
        "predictions", "outcomes", "candidate_merges", "notifications", "audit_log",
        "privacy_requests",
    ):  # fmt: skip
        assert data[table], table
    assert all("token_hash" not in r for r in data["privacy_requests"])
    # Only admins: a talent lead is refused, and nothing is exported across companies.
    with pytest.raises(PermissionDeniedError):
        privacy.export_person(world.uow(), actor_of_role(world, company), person.email, NOW)
    stranger = Actor(None, "x", "x", "admin", uuid.uuid4(), "Elsewhere")
    assert privacy.export_person(world.uow(), stranger, person.email, NOW)["candidates"] == []


def test_a_hired_person_is_refused_with_a_reason(world: Database) -> None:
    company, _ = _roles(world)
    with world.uow() as uow:
        email = uow.session.scalars(
            select(Candidate.email)
            .join(Hire, Hire.candidate_id == Candidate.id)
            .where(Candidate.company_id == company)
        ).first()
    admin = actor_of_role(world, company, "admin")
    with pytest.raises(privacy.PersonIsEmployeeError, match="employee record"):
        privacy.erase_person(world.uow(), admin, email, NOW)
    assert email in _dump(world)


def _link_token(db: Database, email: str) -> str:
    with db.uow() as uow:
        body = uow.session.scalars(
            select(Notification.body)
            .where(
                Notification.recipient == email, Notification.event_type == "privacy.request_link"
            )
            .order_by(Notification.created_at.desc())
        ).first()
    match = re.search(r"/data_request\?token=([\w-]+)", body or "")
    assert match, body
    return match.group(1)


def _counts(db: Database) -> tuple[int, int]:
    with db.uow() as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(PrivacyRequest)),
            uow.session.scalar(select(func.count()).select_from(Notification)),
        )


def test_request_link_confirms_once_before_it_expires_and_lands_in_the_admin_queue(
    world: Database, tmp_path: Path
) -> None:
    person = Person("request")
    _plant(world, person, tmp_path, n=1)
    company, roles = _roles(world)
    token = _link_token(world, person.email)
    with world.uow() as uow:
        stored = uow.session.scalars(select(PrivacyRequest.token_hash)).all()
    assert token not in stored  # only the hash is kept

    due = privacy_requests.confirm_request(world.uow(), token, "access", NOW + timedelta(hours=1))
    assert due == NOW + timedelta(hours=1, days=30)
    with pytest.raises(ValidationError, match="expired or was already used"):
        privacy_requests.confirm_request(world.uow(), token, "erasure", NOW + timedelta(hours=2))

    # A second link, opened after 72 hours, no longer works.
    privacy_requests.request_data(
        world.uow(), roles[0], person.email, client="203.0.113.7", now=NOW
    )
    late = _link_token(world, person.email)
    with pytest.raises(ValidationError, match="expired"):
        privacy_requests.confirm_request(world.uow(), late, "access", NOW + timedelta(hours=72))

    admin = actor_of_role(world, company, "admin")
    queue = privacy_requests.list_requests(world.uow(), admin, NOW + timedelta(days=31))
    mine = [r for r in queue if r.email == person.email]
    assert len(mine) == 1 and mine[0].kind == "access" and mine[0].overdue
    with pytest.raises(PermissionDeniedError):
        privacy_requests.list_requests(world.uow(), actor_of_role(world, company), NOW)
    answer = privacy_requests.fulfil_request(
        world.uow(), admin, mine[0].id, NOW + timedelta(days=2)
    )
    assert isinstance(answer, str) and person.phrases[0].lower() in answer.lower()
    done = privacy_requests.list_requests(world.uow(), admin, NOW)
    assert [r.status for r in done if r.id == mine[0].id] == ["fulfilled"]


def test_an_unknown_email_gets_the_same_answer_and_the_same_rate_limit(world: Database) -> None:
    _, roles = _roles(world)
    before = _counts(world)
    answers = set()
    for i in range(3):
        answers.add(
            privacy_requests.request_data(
                world.uow(), roles[0], "nobody.here@example.org", client=f"192.0.2.{i}", now=NOW
            )
        )
    assert answers == {privacy_requests.REQUEST_ANSWER}
    assert _counts(world) == before  # no request stored, no email sent
    with pytest.raises(ValidationError, match="Too many"):
        privacy_requests.request_data(
            world.uow(), roles[0], "nobody.here@example.org", client="192.0.2.99", now=NOW
        )


def test_retention_dry_run_lists_without_changing_and_apply_erases_the_same_set(
    world: Database, tmp_path: Path
) -> None:
    old, recent = Person("old"), Person("recent")
    old_ids = _plant(world, old, tmp_path)
    recent_ids = _plant(world, recent, tmp_path, n=1)
    with world.uow() as uow:
        for cid in old_ids:
            uow.session.get(Candidate, cid).created_at = NOW - timedelta(days=400)
        for consent in uow.session.scalars(
            select(Consent).where(Consent.candidate_id.in_(old_ids))
        ):
            consent.granted_at = NOW - timedelta(days=400)
        uow.commit()
    dump = _dump(world)
    listed = privacy.list_expired(world.uow(), NOW, days=365)
    listed_ids = {cid for item in listed for cid in item.candidate_ids}
    assert set(old_ids) <= listed_ids and not set(recent_ids) & listed_ids
    assert _dump(world) == dump  # the dry run changed nothing
    with world.uow() as uow:
        hired = set(uow.session.scalars(select(Hire.candidate_id)))
    assert not hired & listed_ids

    done = privacy.purge_expired_applications(world.uow(), NOW, days=365, index_dir=tmp_path)
    assert done["deleted"] == len(listed_ids) and done["people"] == len(listed)
    with world.uow() as uow:
        rows = uow.session.scalars(select(Candidate)).all()
    erased = {c.id for c in rows if c.email.endswith("@erased.invalid")}
    assert erased >= listed_ids and not set(recent_ids) & erased
    dump = _dump(world)
    for term in old.terms:
        assert term.lower() not in dump, term
    assert recent.email in dump
    assert privacy.list_expired(world.uow(), NOW, days=365) == []  # nothing left to do


def test_the_retention_setting_is_what_the_careers_page_and_the_consent_say() -> None:
    from core.config import load_settings

    assert get_settings().candidate_retention_days == 365
    assert (
        load_settings({"PEOPLEOS_CANDIDATE_RETENTION_DAYS": "180"}).candidate_retention_days == 180
    )
    careers = (Path(__file__).parents[1] / "pages" / "careers.py").read_text()
    assert "get_settings().candidate_retention_days} days" in careers


def test_the_pages_ask_confirm_and_queue_a_request(world_app: Database, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP, login_app

    person = Person("pages")
    _plant(world_app, person, tmp_path, n=1)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/careers.py").run()
    next(t for t in at.text_input if t.label == "Your email").input(person.email)
    next(b for b in at.button if b.label == "Send me a link").click().run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [privacy_requests.REQUEST_ANSWER]

    token = _link_token(world_app, person.email)
    link = AppTest.from_file(str(APP), default_timeout=60)
    link.query_params["token"] = token
    link.run()
    link.switch_page("pages/data_request.py")
    link.query_params["token"] = token
    link.run()
    assert not link.exception, link.exception
    link.radio[0].set_value("erasure")
    next(b for b in link.button if b.label == "Confirm my request").click().run()
    assert "Your request is confirmed" in link.success[0].value, [e.value for e in link.error]

    company, _ = _roles(world_app)
    page = login_app(actor_of_role(world_app, company, "admin").username, "privacy_requests")
    assert not page.exception, page.exception
    shown = page.dataframe[0].value
    assert person.email in set(shown["Email"]) and "erasure" in set(shown["Request"])
    # The admin erases: the page reruns into the request fulfilled and the address gone.
    page.checkbox[0].check().run()
    next(b for b in page.button if b.label == "Fulfil").click().run()
    assert not page.exception, page.exception
    assert "Erased everywhere" in page.success[0].value
    after = page.dataframe[0].value
    assert person.email not in set(after["Email"]) and "fulfilled" in set(after["Status"])
