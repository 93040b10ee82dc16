"""The DNA scanner (real MiniLM), the scan service and the Company DNA page."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from core.db import Database
from core.models import (
    AuditLog,
    Company,
    CompanyDnaDimension,
    Notification,
    StartuposSync,
)
from core.services import auth, company_dna, sync
from core.services.errors import PermissionDeniedError, ValidationError
from ml import dna
from ml.embeddings import Embedder
from tests.helpers import login_app

ROOT = Path(__file__).resolve().parents[1]
EXPORT = json.loads((ROOT / "data" / "startupos_demo_export.json").read_text())
AS_OF = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def encoder() -> Embedder:
    return Embedder()


def test_embedder_gives_unit_vectors_and_related_text_is_closer(encoder: Embedder) -> None:
    vectors = encoder.encode(
        [
            "We ship small changes every day.",
            "We release often and fast.",
            "Our office has a nice garden.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


def test_scan_is_deterministic_and_culture_follows_the_values(encoder: Embedder) -> None:
    quill, north, helix = EXPORT["companies"]
    first = dna.scan(quill, encoder, AS_OF)
    assert dna.scan(quill, encoder, AS_OF) == first
    scores = {
        name: {d.key: d.score for d in dna.scan(e, encoder, AS_OF).culture}
        for name, e in (("quill", quill), ("helix", helix))
    }
    # Quillpay's values say "Ship small, ship often"; Helix's say safety and long-term thinking.
    assert scores["quill"]["shipping_speed"] > scores["helix"]["shipping_speed"]
    assert scores["helix"]["long_term"] > scores["quill"]["long_term"]
    assert all(0 <= s <= 100 for s in scores["quill"].values())
    speed = next(d for d in first.culture if d.key == "shipping_speed")
    assert any("ship" in e.lower() for e in speed.evidence)


def test_rules_find_team_gaps_and_velocity(encoder: Embedder) -> None:
    quill = copy.deepcopy(EXPORT["companies"][0])
    profile = dna.scan(quill, encoder, AS_OF)
    assert "product design" in profile.team_gaps  # 15 people, no designer
    assert any("product designer" in r for r in profile.recommendations)
    assert profile.velocity["label"] in ("steady", "fast", "hypergrowth")
    quill["team"].append(
        {
            "id": "m-new",
            "name": "Dee Signer",
            "title": "Product Designer",
            "department": "Product",
            "start_date": "2026-10-01",
            "end_date": None,
            "updated_at": "2026-10-01T00:00:00+00:00",
        }
    )
    quill["company"]["runway_months"] = 8
    after = dna.scan(quill, encoder, AS_OF)
    assert "product design" not in after.team_gaps
    assert after.recommendations[0].startswith("Runway is 8 months")
    changes = dna.compare(profile.to_dict(), after.to_dict())
    assert "Gap closed: product design." in changes
    assert "Team 15 → 16 people." in changes


def test_no_metrics_means_unknown_velocity(encoder: Embedder) -> None:
    entry = {"company": EXPORT["companies"][0]["company"], "team": [], "metrics": []}
    assert dna.scan(entry, encoder, AS_OF).velocity["label"] == "unknown"


@pytest.mark.db
def test_scan_service_stores_profile_history_and_audit(db: Database, encoder: Embedder) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    with db.uow() as uow:
        company = uow.session.scalars(select(Company).where(Company.name == "Quillpay")).one()
    admin = auth.Actor.system(company.id, company.name)
    first = company_dna.scan_company(db.uow(), admin, encoder, NOW)
    assert first.changes == ["First scan."]
    again = company_dna.scan_company(db.uow(), admin, encoder, NOW + timedelta(minutes=5))
    assert again.changes == ["No change since the previous scan."]
    view = company_dna.get_company_dna(db.uow(), admin)
    assert view.profile == first.profile and len(view.scans) == 2
    assert set(view.metrics) == {"headcount", "mrr_usd", "releases_per_month", "burn_usd"}
    with db.uow() as uow:
        parts = set(uow.session.scalars(select(CompanyDnaDimension.dimension_type)))
        audits = uow.session.scalar(
            select(func.count()).where(AuditLog.action == "company_dna.scanned")
        )
        stored = uow.session.get(Company, company.id)
        outbox = uow.session.scalar(
            select(func.count()).where(Notification.event_type == "dna_scan_done")
        )
        assert outbox == 2  # written in the scan's own transaction
        assert stored.dna_profile["scanner_version"] == dna.SCANNER_VERSION
    assert parts == {"stage", "culture", "velocity", "team"} and audits == 2


@pytest.mark.db
def test_scan_needs_data_and_the_right_role(db: Database, encoder: Embedder) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    with db.uow() as uow:
        company = uow.session.scalars(select(Company).where(Company.name == "Quillpay")).one()
    talent = auth.Actor(None, "t", "T", "talent_lead", company.id, company.name)
    with pytest.raises(PermissionDeniedError):
        company_dna.scan_company(db.uow(), talent, encoder, NOW)
    assert company_dna.get_company_dna(db.uow(), talent).profile is None
    with db.uow() as uow:
        uow.session.execute(delete(StartuposSync))
        uow.commit()
    with pytest.raises(ValidationError, match="No StartupOS data"):
        company_dna.scan_company(db.uow(), auth.Actor.system(company.id, "Q"), encoder, NOW)


@pytest.mark.db
@pytest.mark.parametrize("username", ["founder.quillpay", "talent.northwind", "founder.helix"])
def test_dna_page_renders_for_each_demo_company(
    app_env: str, seeded_db: Database, encoder: Embedder, username: str
) -> None:
    actor = auth.load_actor(seeded_db.uow(), username)
    system = auth.Actor.system(actor.company_id, actor.company_name)
    company_dna.scan_company(seeded_db.uow(), system, encoder, NOW)
    at = login_app(username, "company_dna")
    assert not at.exception, at.exception
    assert at.title[0].value == "Company DNA"
    assert [m.label for m in at.metric] == ["Stage", "Team", "Runway (months)", "Velocity"]
    assert len(at.dataframe) >= 1
    # Talent leads read the DNA; founders may also scan and sync.
    assert any(b.label == "Scan now" for b in at.button) == (actor.role == "founder")
