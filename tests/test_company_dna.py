"""The DNA scanner (real MiniLM), the scan service and the Company DNA page."""

from __future__ import annotations

import copy
import json
import re
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
    Employee,
    Notification,
    Role,
    StartuposSync,
)
from core.services import auth, company_dna, sync
from core.services.errors import PermissionDeniedError, ValidationError
from ml import dna
from ml.embeddings import Embedder
from tests.helpers import CachingEmbedder, login_app

ROOT = Path(__file__).resolve().parents[1]
EXPORT = json.loads((ROOT / "data" / "startupos_demo_export.json").read_text())
AS_OF = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def encoder() -> Embedder:
    return CachingEmbedder()  # MiniLM itself; each text embedded once per test run


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
    # "No designer" never next to designers on the team or being hired.
    cells = " ".join(str(v) for f in at.dataframe for v in f.value.to_numpy().ravel()).lower()
    cells += " ".join(str(m.value) for m in at.markdown).lower()
    if _designers_in_the_data(seeded_db, actor.company_id):
        assert "no designer" not in cells and "founding product designer" not in cells
    # Talent leads read the DNA; founders may also scan and sync.
    assert any(b.label == "Scan now" for b in at.button) == (actor.role == "founder")


# ----------------------------------------------------------- issue #11: a DNA that agrees


def _company(name: str) -> dict:
    return copy.deepcopy(next(e for e in EXPORT["companies"] if e["company"]["name"] == name))


def _sentences_of(company: dict) -> set[str]:
    text = f"{company['mission']} {company['values_text']}"
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()}


def test_every_stated_value_is_evidence_for_the_dimension_it_addresses(encoder: Embedder) -> None:
    # Quillpay states "Candour"; before, Candour read "no clear statement" (score 33).
    for entry in EXPORT["companies"]:
        profile = dna.scan(entry, encoder, AS_OF)
        stated = {v: d for d in profile.culture for v in d.stated_values}
        assert set(stated) == set(entry["company"]["values"]), entry["company"]["name"]
        for dimension in stated.values():
            assert dimension.score >= 50  # a stated value counts in full
    quill = {d.key: d for d in dna.scan(_company("Quillpay"), encoder, AS_OF).culture}
    assert quill["candour"].stated_values == ["Candour"]
    assert quill["candour"].evidence == ["We say the hard thing early, kindly and directly."]
    helix = {d.key: d for d in dna.scan(_company("Helix Robotics"), encoder, AS_OF).culture}
    assert "Rigour" in helix["rigour"].stated_values


@pytest.mark.parametrize(
    ("value", "key"),
    [
        # Phrasings that are not among the scanner's anchors.
        ("Radical candor", "candour"),
        ("Be honest even when it hurts", "candour"),
        ("Customers come first", "customer_focus"),
        ("Listen to users", "customer_focus"),
        ("Be frugal", "frugality"),
        ("Think in decades", "long_term"),
        ("One team", "collaboration"),
        ("Ship it", "shipping_speed"),
        ("Data beats opinions", "rigour"),
        ("Take responsibility", "ownership"),
    ],
)
def test_values_in_other_words_map_to_their_dimension(
    encoder: Embedder, value: str, key: str
) -> None:
    entry = {"company": {"stage": "seed", "values": [value]}, "team": [], "metrics": []}
    culture = {d.key: d for d in dna.scan(entry, encoder, AS_OF).culture}
    assert culture[key].stated_values == [value]
    assert [d.key for d in culture.values() if d.stated_values] == [key]


_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def test_evidence_is_the_companys_own_sentences_each_used_once(encoder: Embedder) -> None:
    for entry in EXPORT["companies"]:
        profile = dna.scan(entry, encoder, AS_OF)
        used = [s for d in profile.culture for s in d.evidence]
        assert len(used) == len(set(used)), "a sentence is evidence for two dimensions"
        # Verbatim sentences, no template such as "We value own the outcome."
        assert set(used) <= _sentences_of(entry["company"])
        by_statement = {s.text: s for s in profile.statements}
        for dimension in profile.culture:
            for sentence in dimension.evidence:
                assert by_statement[sentence].dimension == dimension.key
        generated = [
            *profile.recommendations,
            *(p.reason for p in profile.hiring_priorities),
            *(g["counted"] for g in profile.team["gaps"]),
            *profile.velocity["evidence"],
            *(s.note for s in profile.statements),
        ]
        assert not [t for t in generated if _DOUBLED.search(t)]
        assert all(t[:1].isupper() or t[:1].isdigit() for t in generated)


def test_a_sentence_close_to_two_dimensions_counts_for_neither(encoder: Embedder) -> None:
    # MiniLM reads Helix's safety sentence as about shipping as much as about safety.
    profile = dna.scan(_company("Helix Robotics"), encoder, AS_OF)
    sentence = "Nothing ships that could hurt a person, whatever the deadline."
    read = next(s for s in profile.statements if s.text == sentence)
    assert read.dimension is None and "about equally" in read.note
    assert all(sentence not in d.evidence for d in profile.culture)
    assert next(d for d in profile.culture if d.key == "shipping_speed").score == 0


def _staffing(kind: str) -> dna.Staffing:
    """Three designers hired through PeopleOS, one yet to start, or one open role."""
    if kind == "hired":
        return dna.Staffing(
            employees=tuple(
                dna.Seat("Product Designer", "Product", f"D{i}", hired=True) for i in range(3)
            )
        )
    if kind == "pending":
        return dna.Staffing(pending_hires=(dna.Seat("Product Designer", "Product"),))
    return dna.Staffing(open_roles=(dna.Seat("Senior Product Designer", "Product"),))


@pytest.mark.parametrize(
    ("kind", "counted"),
    [
        ("hired", "3 designers on the team, 3 hired through PeopleOS, no open role"),
        (
            "pending",
            "0 designers on the team, 1 hired through PeopleOS (1 yet to start), no open role",
        ),
        ("open", "0 designers on the team, none hired, 1 open role"),
    ],
)
def test_hires_and_open_roles_close_a_team_gap(encoder: Embedder, kind: str, counted: str) -> None:
    staffing = _staffing(kind)
    quill = _company("Quillpay")  # 15 people on the StartupOS list, no designer
    before = dna.scan(quill, encoder, AS_OF)
    gap = next(g for g in before.team["gaps"] if g["name"] == "product design")
    assert gap["counted"] == "0 designers on the team, none hired, no open role"
    assert gap["priority"]["reason"].startswith("No designer in a team of 15")
    after = dna.scan(quill, encoder, AS_OF, staffing)
    assert "product design" not in after.team_gaps
    assert not any("designer" in r.lower() for r in after.recommendations)
    design = next(c for c in after.team["coverage"] if c["function"] == "design")
    assert dna.counted_text(dna.Coverage(**design)) == counted
    assert after.team_size == 15 + len(staffing.employees)


def test_one_person_in_both_lists_counts_once(encoder: Embedder) -> None:
    quill = _company("Quillpay")
    member = quill["team"][0]
    staffing = dna.Staffing(
        employees=(
            dna.Seat(member["title"], member["department"], "x", member["id"]),  # the mirror
            dna.Seat("Product Designer", "Product", member["name"].upper(), hired=True),
        )
    )
    picture = dna.team_picture("seed", quill["team"], staffing, AS_OF)
    assert (picture.size, picture.from_startupos, picture.from_peopleos) == (15, 15, 0)


def test_velocity_shows_its_inputs_and_weighs_only_those_with_data(encoder: Embedder) -> None:
    months = [f"2026-{m:02d}" for m in range(1, 8)]
    metrics = [
        {"metric": "headcount", "month": m, "value": 10 + 10 * i / 6} for i, m in enumerate(months)
    ] + [{"metric": "mrr_usd", "month": m, "value": 1000 * 1.15**i} for i, m in enumerate(months)]
    entry = {"company": EXPORT["companies"][0]["company"], "team": [], "metrics": metrics}
    velocity = dna.scan(entry, encoder, AS_OF).velocity
    # Both inputs at full marks: 100, not 0.6 / 0.7 of it.
    assert velocity["score"] == 100 and velocity["label"] == "hypergrowth"
    assert [i["metric"] for i in velocity["inputs"]] == ["headcount", "mrr_usd"]
    assert sum(i["points"] for i in velocity["inputs"]) == pytest.approx(100)
    assert velocity["inputs"][0]["period"] == ["2026-01", "2026-07"]
    assert "÷ 0.6" in velocity["formula"]
    quill = dna.scan(_company("Quillpay"), encoder, AS_OF).velocity
    assert sum(i["points"] for i in quill["inputs"]) == pytest.approx(quill["score"], abs=0.5)
    releases = next(i for i in quill["inputs"] if i["metric"] == "releases_per_month")
    last = [
        p["value"] for p in _company("Quillpay")["metrics"] if p["metric"] == "releases_per_month"
    ]
    assert releases["value"] == pytest.approx(float(np.mean(last[-3:])), abs=0.01)


def test_sync_counts_and_errors_read_as_words() -> None:
    counts = {
        "company": "created",
        "team_received": 15,
        "team_created": 15,
        "team_updated": 0,
        "team_unchanged": 0,
        "metrics_received": 48,
        "cursor": "2026-11-01T00:00:00+00:00",
    }
    assert company_dna.describe_sync_counts(counts) == (
        "company record created; 15 team members received (15 new, 0 changed, 0 unchanged); "
        "48 metric points received; changes up to 2026-11-01 00:00 UTC"
    )
    assert company_dna.describe_sync_counts({}) == "nothing received"
    assert company_dna.plain_error("HTTP 503 on /v1/companies/x/team") == (
        "StartupOS had a server error (HTTP 503) on /v1/companies/x/team."
    )
    assert company_dna.plain_error("timeout on /v1/companies/x") == (
        "StartupOS did not answer in time on /v1/companies/x."
    )
    assert company_dna.plain_error("StartupOS refused the token (401)") == (
        "StartupOS refused the token (401)."
    )
    assert company_dna.plain_error(None) == ""


@pytest.mark.db
def test_sync_history_lists_fields_not_a_dict(db: Database) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)
    with db.uow() as uow:
        company = uow.session.scalars(select(Company).where(Company.name == "Quillpay")).one()
        uow.session.add(
            StartuposSync(
                company_id=company.id,
                sync_type="incremental",
                sync_status="failed",
                error="HTTP 503 on /v1/companies/q/team",
                counts={},
                created_at=NOW + timedelta(hours=1),
            )
        )
        uow.commit()
    view = company_dna.get_company_dna(db.uow(), auth.Actor.system(company.id, "Q"), AS_OF)
    failed, imported = view.syncs
    assert (failed.kind, failed.status, failed.summary) == (
        "Incremental sync",
        "Failed",
        "nothing received",
    )
    assert failed.error == "StartupOS had a server error (HTTP 503) on /v1/companies/q/team."
    assert (imported.kind, imported.status, imported.error) == ("File import", "Succeeded", "")
    assert imported.summary.startswith("company record created; 15 team members received (15 new")
    assert imported.started_at == NOW and imported.finished_at == NOW


def _designers_in_the_data(db: Database, company_id: object) -> int:
    """Designers on the team or being hired, counted straight from the tables."""
    with db.uow() as uow:
        s = uow.session
        employees = s.scalar(
            select(func.count()).where(
                Employee.company_id == company_id,
                Employee.status == "active",
                func.lower(Employee.title).contains("designer"),
            )
        )
        roles = s.scalar(
            select(func.count()).where(
                Role.company_id == company_id,
                Role.status == "active",
                func.lower(Role.title).contains("designer"),
            )
        )
    return employees + roles


@pytest.mark.db
def test_demo_team_gaps_count_hires_and_open_roles(seeded_db: Database) -> None:
    # Quillpay's StartupOS list has no designer, but PeopleOS hired three and has a role open.
    actor = auth.load_actor(seeded_db.uow(), "founder.quillpay")
    view = company_dna.get_company_dna(seeded_db.uow(), actor, AS_OF)
    with seeded_db.uow() as uow:
        hired = uow.session.scalar(
            select(func.count()).where(
                Employee.company_id == actor.company_id,
                Employee.status == "active",
                Employee.hire_id.is_not(None),
                func.lower(Employee.title).contains("designer"),
            )
        )
    assert hired == 3 and _designers_in_the_data(seeded_db, actor.company_id) == 4
    assert "product design" not in [g["name"] for g in view.team["gaps"]]
    design = next(c for c in view.team["coverage"] if c["function"] == "design")
    assert (design["team"], design["hired"], design["open_roles"]) == (3, 3, 1)
    assert not any("designer" in r.lower() for r in view.recommendations)


@pytest.mark.db
def test_a_scan_counts_open_roles_and_employees(db: Database, encoder: Embedder) -> None:
    sync.import_file(db.uow, json.dumps(EXPORT).encode(), now=NOW)  # Quillpay: no designer
    with db.uow() as uow:
        company = uow.session.scalars(select(Company).where(Company.name == "Quillpay")).one()
        role = Role(
            company_id=company.id, title="Product Designer", department="Product", status="active"
        )
        uow.session.add(role)
        uow.commit()
        company_id, role_id = company.id, role.id
    system = auth.Actor.system(company_id, "Quillpay")
    profile = company_dna.scan_company(db.uow(), system, encoder, NOW).profile
    assert "product design" not in profile["team_gaps"]
    assert "Founding Product Designer" not in [p["title"] for p in profile["hiring_priorities"]]
    # The role is filled by someone PeopleOS records as an employee: still no gap, one more.
    with db.uow() as uow:
        uow.session.get(Role, role_id).status = "filled"
        uow.session.add(
            Employee(company_id=company_id, full_name="Dee Signer", title="Product Designer")
        )
        uow.commit()
    view = company_dna.get_company_dna(db.uow(), system, AS_OF)
    assert view.team["size"] == 16 and not view.team["gaps"]
    design = next(c for c in view.team["coverage"] if c["function"] == "design")
    assert (design["team"], design["hired"], design["open_roles"]) == (1, 0, 0)


@pytest.mark.db
def test_the_page_shows_how_the_dna_was_worked_out(world_app: Database, encoder: Embedder) -> None:
    actor = auth.load_actor(world_app.uow(), "founder.quillpay")
    system = auth.Actor.system(actor.company_id, actor.company_name)
    profile = company_dna.scan_company(world_app.uow(), system, encoder, NOW).profile
    with world_app.uow() as uow:
        listed = uow.session.scalars(
            select(StartuposSync.data_snapshot).where(
                StartuposSync.company_id == actor.company_id,
                StartuposSync.sync_status == "succeeded",
            )
        ).first()["team"]
        peopleos_only = uow.session.scalar(
            select(func.count()).where(
                Employee.company_id == actor.company_id,
                Employee.status == "active",
                Employee.startupos_member_id.is_(None),
            )
        )
    on_list = [
        m for m in listed if not m.get("end_date") or m["end_date"] > date.today().isoformat()
    ]
    at = login_app("founder.quillpay", "company_dna")
    assert not at.exception, at.exception
    frames = [f.value for f in at.dataframe]
    culture = next(f for f in frames if "Stated values" in f.columns).set_index("Dimension")
    assert culture.loc["Candour", "Stated values"] == "Candour"
    assert (
        culture.loc["Candour", "Sentences"] == "We say the hard thing early, kindly and directly."
    )
    velocity = next(f for f in frames if "Full marks at" in f.columns)
    assert list(velocity["Input"]) == [
        "Releases per month",
        "Headcount growth",
        "MRR growth per month",
    ]
    shown = next(m.value for m in at.metric if m.label == "Velocity")
    assert f"({profile['velocity']['score']})" in shown
    assert velocity["Points"].sum() == pytest.approx(profile["velocity"]["score"], abs=0.5)
    team = next(m.value for m in at.metric if m.label == "Team")
    assert peopleos_only > 0 and int(team) == len(on_list) + peopleos_only
    history = next(f for f in frames if "Received" in f.columns)
    assert list(history.columns) == ["Started", "Finished", "Kind", "Status", "Received", "Error"]
    assert not history["Received"].str.contains("{").any()
    page_text = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.info))
    assert "no clear statement" not in page_text
