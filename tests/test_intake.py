"""Public applications: validation, bad files, duplicates, floods, consent and self-ID."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from core.config import get_settings
from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    CandidateDocument,
    CandidateEmbedding,
    CandidateStageEvent,
    Consent,
    Notification,
    Prediction,
    Role,
    SelfIdentification,
    User,
)
from core.repositories.scoring import ScoringRepository
from core.services import candidates, intake, model_registry, scoring
from core.services.errors import ValidationError
from core.services.intake import Application, ApplicationError
from tests import hostile_files
from tests.helpers import actor_of_role

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
RESUME = (
    "Priya Test\npriya@example.com\nExperience\n"
    "Senior Backend Engineer - Ledgerly | Jan 2020 - Present\n"
    "Skills\nPython, PostgreSQL, Kubernetes, Kafka\n"
    "Education\nBSc Computer Science, University of Toronto (2015)\n"
)


def _pdf(text: str = RESUME) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in text.splitlines():
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class _Encoder:
    """A fixed embedding, so tests check storage without loading the model."""

    name = "test-encoder"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 384), dtype=np.float32) / np.sqrt(384)


def _role(db: Database) -> uuid.UUID:
    with db.uow() as uow:
        return uow.session.scalars(
            select(Role.id).where(Role.status == "active").order_by(Role.title)
        ).first()


def _app(db: Database, **changes) -> Application:
    fields = {
        "role_id": _role(db),
        "full_name": "Priya Test",
        "email": f"priya.{uuid.uuid4().hex[:6]}@example.com",
        "resume": _pdf(),
        "resume_filename": "cv.pdf",
        "consent": True,
    }
    fields.update(changes)
    return Application(**fields)


def _counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        s = uow.session
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (
                Candidate,
                CandidateDocument,
                Consent,
                SelfIdentification,
                CandidateStageEvent,
                CandidateEmbedding,
            )
        }


def _submit(
    db: Database, app: Application, client: str = "198.51.100.7", now: datetime = NOW, **kw
) -> intake.Receipt:
    return intake.submit_application(db.uow(), app, client=client, now=now, **kw)


def test_an_application_stores_everything_together(world: Database) -> None:
    before = _counts(world)
    app = _app(
        world,
        self_id={"gender": "Woman"},
        answers={"Why?": "Payments."},
        linkedin_url="https://www.linkedin.com/in/priya-test",
    )
    receipt = _submit(world, app)
    after = _counts(world)
    assert {k: after[k] - before[k] for k in after} == {
        "candidates": 1,
        "candidate_documents": 1,
        "consents": 1,
        "self_id": 1,
        "candidate_stage_events": 1,
        "candidate_embeddings": 0,  # the slow half follows the answer
    }
    assert not receipt.reapplied and not receipt.other_roles
    assert {"Python", "PostgreSQL", "Kafka"} <= set(receipt.skills)
    with world.uow() as uow:
        c = uow.session.scalars(
            select(Candidate).where(Candidate.reference == receipt.reference)
        ).one()
        assert c.id == receipt.candidate_id and c.person_id == c.id
        assert c.status == "applied" and c.application_source == "careers_page"
        assert c.stage_entered_at == NOW
        assert c.resume_profile["total_years"] > 6 and c.fit_score is None
        assert c.resume_profile["answers"] == {"Why?": "Payments."}
        consent = uow.session.scalars(select(Consent).where(Consent.candidate_id == c.id)).one()
        assert consent.retention_days == get_settings().candidate_retention_days == 365
        assert (
            uow.session.scalar(
                select(func.count()).where(
                    AuditLog.action == "candidate.applied", AuditLog.entity_id == str(c.id)
                )
            )
            == 1
        )
        # Self-identification lives apart from the candidate row and its parsed profile.
        assert "gender" not in str(c.resume_profile)


def test_the_slow_half_embeds_and_scores_and_can_run_twice(world: Database) -> None:

    receipt = _submit(world, _app(world, answers={"Why?": "Payments."}), client="203.0.113.9")
    models = model_registry.load_models()
    for _ in range(2):  # the web app's thread and the worker's catch-up may both run it
        assert intake.complete_application(
            world.uow(),
            receipt.company_id,
            receipt.candidate_id,
            now=NOW + timedelta(seconds=3),
            encoder=_Encoder(),
            models=models,
        )
    with world.uow() as uow:
        c = uow.session.get(Candidate, receipt.candidate_id)
        assert c.fit_score is not None and c.fit_breakdown["trigger"] == "intake"
        assert c.resume_profile["answers"] == {"Why?": "Payments."}
        embeddings = uow.session.scalar(
            select(func.count()).where(CandidateEmbedding.candidate_id == c.id)
        )
        assert embeddings == 1
    # Another company's id finds nothing to complete.
    assert not intake.complete_application(
        world.uow(), uuid.uuid4(), receipt.candidate_id, now=NOW, models=models
    )


def test_an_applicant_who_opts_out_is_never_scored(world: Database) -> None:
    receipt = _submit(world, _app(world, scoring_opt_out=True), client="203.0.113.10")
    models = model_registry.load_models()
    # The web app's completion, the worker's catch-up and a whole-company rescore all leave
    # the applicant unscored.
    intake.complete_application(
        world.uow(),
        receipt.company_id,
        receipt.candidate_id,
        now=NOW + timedelta(seconds=3),
        encoder=_Encoder(),
        models=models,
    )
    scoring.rescore_company(world, receipt.company_id, models, NOW, trigger="backfill")
    with world.uow() as uow:
        s = uow.session
        c = s.get(Candidate, receipt.candidate_id)
        assert c.scoring_opt_out and c.fit_score is None and c.fit_breakdown is None
        assert c.success_probability is None and c.risk_indicators is None
        assert not s.scalars(select(Prediction).where(Prediction.entity_id == c.id)).all()
        assert c.id not in ScoringRepository(s).unscored_ids(receipt.company_id, 10_000)
        audit = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "candidate.applied", AuditLog.entity_id == str(c.id)
            )
        ).one()
    assert audit.summary["scoring_opt_out"] is True
    talent = actor_of_role(world, receipt.company_id, "talent_lead")
    with pytest.raises(ValidationError, match="asked not to be scored"):
        scoring.rescore_candidate(world.uow(), talent, receipt.candidate_id, models, NOW)
    profile = candidates.get_candidate_profile(world.uow(), talent, receipt.candidate_id)
    assert profile.scoring_opt_out and profile.fit_score is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": " "}, "full_name"),
        ({"linkedin_url": "javascript:alert(1)"}, "linkedin_url"),
        ({"self_id": {"gender": "Robot"}}, "self_id"),
        ({"resume": b""}, "resume"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(world, changes, field) -> None:
    before = _counts(world)
    with pytest.raises(ApplicationError) as caught:
        _submit(world, _app(world, **changes))
    assert field in caught.value.fields
    assert _counts(world) == before


def _encrypted() -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_pdf())))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"MZ\x90\x00" + bytes(4000), "Unsupported file type"),
        (lambda: b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "larger than 5 MB"),
        (_blank_pdf, "No text found"),
        (_encrypted, "password-protected"),
        # Every hostile file of tests/hostile_files.py at the size an attacker used
        # (bench/hostile.py measures the time and memory of refusing each).
        (lambda: hostile_files.pdf_flate_bomb(100 << 20), "unpacks to far more"),
        (lambda: hostile_files.pdf_text_runs(200_000), "drawing instructions"),
        (lambda: hostile_files.pdf_text_in_a_form(200_000), "drawing instructions"),
        (lambda: hostile_files.pdf_many_operators(250_000), "drawing instructions"),
        (lambda: hostile_files.docx_bomb(100 << 20), "unpacks to far more"),
        (lambda: hostile_files.docx_many_paragraphs(10_000_000), "unpacks to far more"),
        (lambda: hostile_files.docx_many_paragraphs(200_000), "10,000 paragraphs"),
        (lambda: hostile_files.docx_many_parts(5_000), "1,000 parts"),
    ],
    ids=[
        "renamed-exe",
        "6mb",
        "empty-pdf",
        "encrypted-pdf",
        "pdf-bomb",
        "pdf-text-runs",
        "pdf-runs-in-form",
        "pdf-operators",
        "docx-bomb",
        "docx-10m-paragraphs",
        "docx-paragraphs",
        "docx-parts",
    ],
)
def test_bad_uploads_get_a_clear_message_and_store_nothing(world, make, message) -> None:
    before = _counts(world)
    with pytest.raises(ApplicationError) as caught:
        _submit(world, _app(world, resume=make(), resume_filename="cv.pdf"))
    assert message in caught.value.fields["resume"]
    assert _counts(world) == before


def _active_roles(db: Database, n: int) -> list[tuple[uuid.UUID, str]]:
    with db.uow() as uow:
        company = uow.session.scalars(
            select(Role.company_id).where(Role.status == "active").order_by(Role.title)
        ).first()
        rows = uow.session.execute(
            select(Role.id, Role.title)
            .where(Role.status == "active", Role.company_id == company)
            .order_by(Role.title)
        ).all()
    assert len(rows) >= n
    return [(r.id, r.title) for r in rows[:n]]


def test_applying_again_to_the_same_role_changes_nothing_staff_hold(world: Database) -> None:
    """A repeat application is added beside the first, never over it: an applicant cannot
    rewrite the name, resume or stage of a candidate staff are working with."""
    from core.services import auth, duplicates

    email = f"twice.{uuid.uuid4().hex[:6]}@example.com"
    first = _submit(world, _app(world, email=email), client="203.0.113.1")
    with world.uow() as uow:  # staff moved the candidate on meanwhile
        held = uow.session.get(Candidate, first.candidate_id)
        held.status = "offer"
        held_name, held_resume = held.full_name, held.resume_text
        uow.commit()
    before = _counts(world)
    second = _submit(
        world,
        _app(world, email=email.upper(), full_name="Mallory Overwrite", resume=_pdf(OTHER)),
        client="203.0.113.2",
        now=NOW + timedelta(hours=1),
    )
    assert second.reapplied and second.candidate_id != first.candidate_id
    assert _counts(world)["candidates"] == before["candidates"] + 1
    with world.uow() as uow:
        kept = uow.session.get(Candidate, first.candidate_id)
        added = uow.session.get(Candidate, second.candidate_id)
        assert (kept.full_name, kept.resume_text, kept.status) == (held_name, held_resume, "offer")
        assert added.full_name == "Mallory Overwrite" and added.status == "applied"
        assert added.person_id == kept.person_id
    # The two are offered to a person on the Duplicates page.
    admin = auth.load_actor(world.uow(), _admin_of(world, first.company_id))
    pairs = duplicates.find_duplicates(world.uow(), admin)
    assert any(
        {p.first.id, p.second.id} == {first.candidate_id, second.candidate_id} for p in pairs
    )


OTHER = """Mallory Overwrite
Experience
Sales Lead, Globex (enterprise), 2015 - 2020
- Sold software to banks
"""


def _admin_of(db: Database, company_id: uuid.UUID) -> str:
    with db.uow() as uow:
        return uow.session.scalars(
            select(User.username).where(User.company_id == company_id, User.role == "admin")
        ).first()


def test_a_second_role_is_a_second_application_of_the_same_person(world: Database) -> None:
    from core.services import auth, candidates, pipeline

    (role_a, title_a), (role_b, title_b) = _active_roles(world, 2)
    email = f"two.roles.{uuid.uuid4().hex[:6]}@example.com"
    first = _submit(world, _app(world, email=email, role_id=role_a), client="203.0.113.3")
    second = _submit(
        world,
        _app(world, email=email, role_id=role_b),
        client="203.0.113.4",
        now=NOW + timedelta(minutes=5),
    )
    assert not second.reapplied and second.reference != first.reference
    assert second.other_roles == [title_a]
    with world.uow() as uow:
        rows = uow.session.scalars(
            select(Candidate).where(Candidate.email == email).order_by(Candidate.created_at)
        ).all()
        assert [c.role_id for c in rows] == [role_a, role_b]
        assert rows[0].person_id == rows[1].person_id == rows[0].id
        company_id = rows[0].company_id
    # Visible on both roles' pipelines, and each profile names the other application.
    actor = auth.Actor.system(company_id, "test")
    query = pipeline.PipelineQuery(sort="newest")
    for role_id, candidate_id in ((role_a, first.candidate_id), (role_b, second.candidate_id)):
        listed = pipeline.pipeline_page(world.uow(), actor, role_id, NOW, query, limit=200).rows
        assert candidate_id in {r.id for r in listed}
    profile = candidates.get_candidate_profile(world.uow(), actor, second.candidate_id)
    assert [(o.id, o.role_title) for o in profile.other_applications] == [
        (first.candidate_id, title_a)
    ]


def test_a_flood_from_one_client_is_stopped_and_only_accepted_ones_are_kept(world) -> None:
    before = _counts(world)["candidates"]
    accepted, refused = 0, []
    for i in range(100):
        try:
            _submit(world, _app(world), client="192.0.2.99", now=NOW + timedelta(seconds=i / 2))
            accepted += 1
        except ApplicationError as exc:
            refused.append(exc.fields.get("form", ""))
    assert accepted == intake.CLIENT_LIMIT.count
    assert len(refused) == 100 - accepted and all("Too many applications" in m for m in refused)
    assert _counts(world)["candidates"] == before + accepted


def test_a_blocked_client_is_refused_before_its_file_is_read(world, monkeypatch) -> None:
    """The flood limit is checked before any parsing, so a blocked client costs nothing."""
    for i in range(intake.CLIENT_LIMIT.count):
        _submit(world, _app(world), client="192.0.2.77", now=NOW + timedelta(seconds=i))
    read: list[int] = []
    monkeypatch.setattr(intake, "extract_text", lambda data: read.append(len(data)))
    hostile = _app(world, resume=hostile_files.pdf_text_runs())
    with pytest.raises(ApplicationError) as caught:
        _submit(world, hostile, client="192.0.2.77", now=NOW + timedelta(seconds=30))
    assert "Too many applications" in caught.value.fields["form"]
    assert read == []


def test_the_honeypot_and_closed_roles_are_refused(world: Database) -> None:
    before = _counts(world)
    with pytest.raises(ApplicationError, match="refused"):
        _submit(world, _app(world, honeypot="http://spam.example"))
    with pytest.raises(ApplicationError) as caught:
        _submit(world, _app(world, role_id=uuid.uuid4()), client="203.0.113.50")
    assert "role" in caught.value.fields
    assert _counts(world) == before


def test_a_confirmation_is_queued_when_email_is_configured(world: Database) -> None:
    receipt = _submit(world, _app(world), client="203.0.113.77", send_confirmation=True)
    with world.uow() as uow:
        note = uow.session.scalars(
            select(Notification)
            .where(Notification.event_type == "application_received")
            .order_by(Notification.created_at.desc())
        ).first()
    assert note.channel == "email" and receipt.reference in note.body


def test_open_roles_and_job_posting(world: Database) -> None:
    roles = intake.list_open_roles(world.uow())
    assert roles and all(r.company_slug for r in roles)
    one = intake.list_open_roles(world.uow(), roles[0].company_slug)
    assert {r.company_name for r in one} == {roles[0].company_name}
    posting = intake.job_posting(roles[0])
    assert posting["@type"] == "JobPosting" and posting["title"] == roles[0].title
