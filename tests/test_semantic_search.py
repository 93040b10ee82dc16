"""Semantic search and similar candidates over stored embeddings (real MiniLM)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import Database
from core.models import Candidate, Company, Interview, User
from core.services import auth, search
from core.services.errors import ValidationError
from ml.embeddings import Embedder
from tests.helpers import CachingEmbedder

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def encoder() -> Embedder:
    return CachingEmbedder()  # MiniLM itself; each text embedded once per test run


@pytest.fixture(scope="module")
def embedded(world: Database, encoder: Embedder) -> Database:
    first = search.embed_missing(world.uow(), encoder, NOW)
    assert first > 0 and search.embed_missing(world.uow(), encoder, NOW) == 0
    return world


def _actor(db: Database, role: str) -> auth.Actor:
    with db.uow() as uow:
        company = uow.session.scalars(select(Company).order_by(Company.name)).first()
        user = uow.session.scalars(
            select(User).where(User.company_id == company.id, User.role == role)
        ).first()
    return auth.load_actor(db.uow(), user.username)


def test_search_finds_resumes_that_mean_the_query(embedded, encoder, tmp_path: Path) -> None:
    talent = _actor(embedded, "talent_lead")
    hits = search.semantic_search(
        embedded.uow(),
        talent,
        encoder,
        "frontend engineer building React and TypeScript interfaces",
        k=5,
        index_dir=tmp_path,
    )
    assert len(hits) == 5 and hits[0].score >= hits[-1].score
    with embedded.uow() as uow:
        texts = {
            c.id: c.resume_text
            for c in uow.session.scalars(
                select(Candidate).where(Candidate.id.in_([h.candidate_id for h in hits]))
            )
        }
    frontend = sum("frontend" in texts[h.candidate_id].lower() for h in hits)
    assert frontend >= 4, [h.role_title for h in hits]
    assert (tmp_path / f"{talent.company_id}.faiss").exists()


def test_the_index_is_rebuilt_when_embeddings_change(embedded, encoder, tmp_path) -> None:
    talent = _actor(embedded, "talent_lead")
    search.semantic_search(embedded.uow(), talent, encoder, "sales", index_dir=tmp_path)
    path = tmp_path / f"{talent.company_id}.faiss"
    before = path.stat().st_mtime_ns
    search.semantic_search(embedded.uow(), talent, encoder, "sales", index_dir=tmp_path)
    assert path.stat().st_mtime_ns == before  # fresh index reused
    with embedded.uow() as uow:
        candidate = Candidate(
            company_id=talent.company_id,
            email="new@example.com",
            full_name="New Person",
            resume_text="Account executive, B2B SaaS",
            created_at=NOW,
            updated_at=NOW,
        )
        uow.session.add(candidate)
        uow.commit()
    search.embed_missing(embedded.uow(), encoder, NOW)
    hits = search.semantic_search(
        embedded.uow(), talent, encoder, "account executive selling B2B SaaS", index_dir=tmp_path
    )
    assert path.stat().st_mtime_ns != before
    assert candidate.id in [h.candidate_id for h in hits]


def test_similar_candidates_and_interviewer_scope(embedded, encoder, tmp_path) -> None:
    talent = _actor(embedded, "talent_lead")
    one = search.semantic_search(
        embedded.uow(), talent, encoder, "data scientist", index_dir=tmp_path
    )[0]
    similar = search.similar_candidates(
        embedded.uow(), talent, one.candidate_id, index_dir=tmp_path
    )
    assert similar and one.candidate_id not in [h.candidate_id for h in similar]
    interviewer = _actor(embedded, "interviewer")
    with embedded.uow() as uow:
        mine = set(
            uow.session.scalars(
                select(Interview.candidate_id).where(
                    Interview.interviewer_id == interviewer.user_id
                )
            )
        )
    hits = search.semantic_search(
        embedded.uow(), interviewer, encoder, "engineer", k=50, index_dir=tmp_path
    )
    assert {h.candidate_id for h in hits} <= mine
    assert search.similar_candidates(embedded.uow(), talent, uuid.uuid4(), index_dir=tmp_path) == []


def test_queries_are_validated(embedded, encoder) -> None:
    with pytest.raises(ValidationError):
        search.semantic_search(embedded.uow(), _actor(embedded, "talent_lead"), encoder, "x")


@pytest.mark.parametrize(
    "query", ["pastry chef", "commercial airline pilot", "opera singer", "tractor mechanic"]
)
def test_a_query_that_describes_no_one_shows_no_hits(embedded, encoder, tmp_path, query) -> None:
    talent = _actor(embedded, "talent_lead")
    loose = search.semantic_search(
        embedded.uow(), talent, encoder, query, index_dir=tmp_path, min_relevance=0.0
    )
    assert loose, "without the floor every query returns its nearest resumes"
    assert search.semantic_search(embedded.uow(), talent, encoder, query, index_dir=tmp_path) == []


@pytest.mark.parametrize(
    "query",
    [
        "frontend engineer building React and TypeScript interfaces",
        "data scientist with machine learning",
        "backend engineer",
    ],
)
def test_a_query_that_describes_people_keeps_its_best_hits(
    embedded, encoder, tmp_path, query
) -> None:
    talent = _actor(embedded, "talent_lead")
    hits = search.semantic_search(embedded.uow(), talent, encoder, query, index_dir=tmp_path)
    assert hits and all(h.score >= search.MIN_RELEVANCE for h in hits)


def test_the_candidates_page_lists_hits_to_open_and_to_move(
    embedded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search on the page shows its hits (numbers, above the floor) and moves them on."""
    from datetime import UTC, datetime

    from core.config import get_settings
    from core.models import CandidateStageEvent
    from tests.helpers import login_app

    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", embedded.url)
    get_settings.cache_clear()
    talent = _actor(embedded, "talent_lead")
    try:
        at = login_app(talent.username, "candidates")
        next(t for t in at.text_input if t.label == "Search by meaning").input(
            "data scientist with machine learning"
        ).run()
        assert not at.exception, at.exception
        hits = at.dataframe[0].value
        assert len(hits) and (hits["Match"] >= search.MIN_RELEVANCE_PERCENT).all()
        applied = search.semantic_search(
            embedded.uow(), talent, Embedder(), "data scientist with machine learning"
        )
        first = next(h for h in applied if h.status == "applied")
        form = [m for m in at.multiselect if m.label == "Candidates"][0]  # the hits' form
        form.set_value([first.candidate_id])
        next(s for s in at.selectbox if s.label == "New stage").set_value("screening")
        next(t for t in at.text_input if t.label == "Reason").input("Strong match")
        at = next(b for b in at.button if b.label == "Move").click().run()
        assert not at.exception, at.exception
        assert any("Moved 1 candidate(s) to screening" in s.value for s in at.success)
    finally:
        get_settings.cache_clear()
    with embedded.uow() as uow:
        moved = uow.session.scalars(
            select(CandidateStageEvent).where(
                CandidateStageEvent.candidate_id == first.candidate_id,
                CandidateStageEvent.created_at >= datetime(2026, 11, 28, tzinfo=UTC),
            )
        ).all()
    assert [(e.from_status, e.to_status) for e in moved] == [("applied", "screening")]


def test_analyze_gives_the_planner_statistics_of_the_candidates_indexes(world) -> None:
    """Search reads its hits by id; without planner statistics SQLite reads them through the
    company index instead, every candidate of the company (0.35 s a search at 50,000; the
    scale benchmark measures the effect). ``database.analyze`` records the statistics."""
    from sqlalchemy import text

    from core.services import database

    database.analyze(world.url)
    if world.engine.dialect.name != "sqlite":
        return  # PostgreSQL keeps its own statistics; analyze must only not fail there
    with world.engine.connect() as conn:
        indexes = set(
            conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'candidates'")).scalars()
        )
    assert {"idx_candidates_company_fit", "sqlite_autoindex_candidates_1"} <= indexes
