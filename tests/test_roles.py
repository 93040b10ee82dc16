"""Roles: role intelligence, job descriptions, retrieval of similar postings, the roles
service (create, edit, publish, close) and the Roles page."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog, Company, Role, RoleEmbedding, User
from core.services import auth, company_dna, intake, roles
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.services.reference import read_postings_csv, role_library, taxonomy
from ml.dna import CULTURE_DIMENSIONS
from ml.embeddings import Embedder
from ml.jd import _CULTURE_VOICE, CompanyVoice, JDBrief, generate_job_description
from ml.roles import classify_family, define_role, fit_posting_index, seniority_of
from tests.conftest import SHARED_DATA, require_shared
from tests.helpers import CachingEmbedder, login_app

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
GOOGLE = SHARED_DATA / "job_descriptions_google_job_skills.csv"


@pytest.fixture(scope="module")
def encoder() -> Embedder:
    """MiniLM, each distinct text embedded once per module: every test here reads the same
    role library, and two index the same 1,250 public postings."""
    return CachingEmbedder()


def _define(title: str, encoder: Embedder, **kwargs) -> dict:  # noqa: ANN003 - passthrough
    terms = taxonomy()
    return define_role(
        title,
        library=role_library(),
        encoder=encoder,
        skills_pattern=terms.pattern(),
        skill_aliases=terms.aliases,
        **kwargs,
    ).to_dict()


# --------------------------------------------------------------------------- ml


def test_the_role_library_names_only_taxonomy_skills_and_every_culture_has_a_voice() -> None:
    known = set(taxonomy().skills)
    for family in role_library().families.values():
        assert set(family.must_have) | set(family.nice_to_have) <= known, family.key
        assert len(family.responsibilities) >= 4 and family.things
    assert set(_CULTURE_VOICE) == set(CULTURE_DIMENSIONS)


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Junior Data Analyst", 0),
        ("Product Manager", 1),
        ("Customer Success Manager", 1),
        ("Senior Backend Engineer", 2),
        ("Founding Engineer", 2),
        ("Staff Engineer", 3),
        ("Head of Growth", 3),
        ("Engineering Manager", 3),
    ],
)
def test_seniority_comes_from_the_title(title: str, level: int) -> None:
    assert seniority_of(title) == level


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Senior Backend Engineer", "backend"),
        ("Senior Payments Engineer", "backend"),  # not "people" for sounding like "pay"
        ("Staff Engineer", "backend"),
        ("Engineering Manager", "backend"),
        ("Solutions Engineer", "customer_success"),
        ("Frontend Engineer", "frontend"),
        ("Founding Engineer", "fullstack"),
        ("iOS Developer", "mobile"),
        ("Site Reliability Engineer", "devops"),
        ("Data Scientist", "data"),
        ("Machine Learning Engineer, NLP", "ml"),
        ("Robotics Engineer", "hardware"),
        ("Product Designer", "design"),
        ("Product Manager", "product"),
        ("Account Executive", "sales"),
        ("Customer Success Manager", "customer_success"),
        ("Content Marketing Lead", "growth"),
        ("Technical Recruiter", "people"),
        ("Financial Controller", "finance"),
        ("Operations Generalist", "ops"),
    ],
)
def test_titles_find_their_family(title: str, family: str, encoder: Embedder) -> None:
    assert classify_family(title, role_library(), encoder)[0].key == family


def test_role_intelligence_follows_title_and_dna(encoder: Embedder) -> None:
    dna = {
        "stage": "seed",
        "culture": [
            {"key": "ownership", "name": "Ownership", "score": 81},
            {"key": "frugality", "name": "Frugality", "score": 20},
        ],
        "hiring_priorities": [
            {
                "title": "Founding Product Designer",
                "department": "Product",
                "priority": "high",
                "reason": "15 people and no designer.",
            }
        ],
    }
    intel = _define("Senior Go Backend Engineer", encoder, dna=dna, mission="Pay freelancers.")
    assert intel["family"] == "backend" and intel["seniority"] == "Senior"
    assert intel["must_have_skills"][0] == "Go"  # named in the title, so a must
    assert not set(intel["must_have_skills"]) & set(intel["nice_to_have_skills"])
    assert "Mentoring" in intel["nice_to_have_skills"]
    assert intel["culture_traits"] == ["Ownership"]  # only dimensions scoring 50+
    assert intel["stage_traits"][0] == "comfort with ambiguity"
    assert set(intel["outcomes"]) == {"30", "90", "365"}
    assert "pay freelancers" in intel["mission"]
    assert intel["why_now"] is None
    designer = _define("Product Designer", encoder, dna=dna)
    assert designer["why_now"] == "15 people and no designer."
    later = _define("Senior Go Backend Engineer", encoder, dna={**dna, "stage": "series_b"})
    assert later["stage_traits"] != intel["stage_traits"]
    assert _define("Senior Go Backend Engineer", encoder, dna=dna, mission="Pay freelancers.") == (
        intel
    )


@pytest.mark.slow
def test_retrieval_finds_postings_of_the_same_kind(encoder: Embedder) -> None:
    """Leave-one-out on the Google job-skills postings: the five nearest other postings
    to a title share its category far more often than chance."""
    require_shared(GOOGLE)
    unique = {(p.title, p.category): p for p in read_postings_csv(GOOGLE)}
    postings = list(unique.values())
    index = fit_posting_index(postings, encoder)
    queries = encoder.encode([p.title for p in postings])
    hits = []
    for posting, vector in zip(postings, queries, strict=True):
        near = [p for p, _ in index.similar(vector, k=6) if p is not posting][:5]
        hits.append(np.mean([p.category == posting.category for p in near]))
    counts = Counter(p.category for p in postings)
    n = len(postings)
    chance = sum(c / n * (c - 1) / (n - 1) for c in counts.values())
    precision = float(np.mean(hits))
    assert precision >= 0.5 > 4 * chance, (precision, chance)


@pytest.mark.slow
def test_responsibilities_come_from_similar_postings_but_not_another_employers(
    encoder: Embedder,
) -> None:
    require_shared(GOOGLE)
    index = fit_posting_index(read_postings_csv(GOOGLE), encoder)
    intel = _define("Recruiter", encoder, references=[index])
    assert intel["family"] == "people" and len(intel["responsibilities"]) == 6
    assert any(r["source"] != "library" for r in intel["references"])
    library = set(role_library().families["people"].responsibilities)
    assert set(intel["responsibilities"]) - library  # some lines were retrieved
    assert not any("google" in line.lower() for line in intel["responsibilities"])


def test_the_job_description_speaks_in_the_companys_voice(encoder: Embedder) -> None:
    intel = _define("Account Executive", encoder, dna={"stage": "series_a"})
    voice = CompanyVoice(
        name="Quillpay",
        stage_label="Series A",
        industry="fintech",
        headquarters="London",
        mission="Make getting paid painless.",
        values=["Customer obsession", "Ship small"],
        values_text="We talk to customers every week.",
        team_size=30,
        culture=[{"key": "candour", "name": "Candour", "score": 77}],
    )
    jd = generate_job_description("Account Executive", intel, voice)
    assert jd.writer == "template-1" and jd.elapsed_ms >= 0
    for expected in (
        "Account Executive at Quillpay",
        "Series A fintech company based in London, 30 people strong",
        "Make getting paid painless.",
        "- Customer obsession.",
        "We give direct, kind feedback",
        "We talk to customers every week.",
        "What success looks like",
        "no score ever rejects anyone",
        *intel["must_have_skills"],
    ):
        assert expected in jd.text, expected
    assert "\n- \n" not in jd.text and "None" not in jd.text


def test_another_writer_plugs_in_behind_the_same_interface(encoder: Embedder) -> None:
    class Shouting:
        name = "shouting-1"

        def write(self, brief: JDBrief) -> str:
            return brief.title.upper()

    intel = _define("Data Scientist", encoder)
    jd = generate_job_description("Data Scientist", intel, CompanyVoice("X", "Seed"), Shouting())
    assert (jd.text, jd.writer) == ("DATA SCIENTIST", "shouting-1")


# --------------------------------------------------------------------------- service


def _actor(db: Database, role: str, company: int = 0) -> auth.Actor:
    with db.uow() as uow:
        company_id = list(uow.session.scalars(select(Company.id).order_by(Company.name)))[company]
        user = uow.session.scalars(
            select(User).where(User.company_id == company_id, User.role == role)
        ).first()
    actor = auth.load_actor(db.uow(), user.username)
    assert actor is not None
    return actor


def _counts(db: Database) -> tuple[int, int, int]:
    with db.uow() as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(Role)),
            s.scalar(select(func.count()).select_from(RoleEmbedding)),
            s.scalar(select(func.count()).where(AuditLog.entity_type == "role")),
        )


@pytest.mark.db
def test_a_created_role_is_a_draft_with_intelligence_jd_embedding_and_audit(
    world: Database, encoder: Embedder
) -> None:
    talent = _actor(world, "talent_lead")
    system = auth.Actor.system(talent.company_id, talent.company_name, label="test")
    company_dna.scan_company(world.uow(), system, encoder, NOW)
    before = _counts(world)
    role = roles.create_role(
        world.uow(), talent, roles.RoleDraft("Senior Platform Engineer", None, "high"), encoder, NOW
    )
    assert _counts(world) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert role.status == "draft" and role.jd_generated_at == NOW
    assert role.department == "Engineering" and role.priority == "high"
    assert role.intelligence["version"] == "roles-1.0"
    assert role.intelligence["jd"]["elapsed_ms"] > 0
    assert role.intelligence["stage_traits"] and role.intelligence["responsibilities"]
    assert talent.company_name in role.jd_text and "Senior Platform Engineer" in role.jd_text
    with world.uow() as uow:
        stored = uow.session.get(Role, role.id)
        vector = np.frombuffer(uow.session.get(RoleEmbedding, role.id).vector, np.float32)
    assert stored.company_id == talent.company_id and stored.jd_text == role.jd_text
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    assert role.id not in {r.id for r in intake.list_open_roles(world.uow())}  # a draft


@pytest.mark.db
@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (roles.RoleDraft("QA"), "title of 3 to 120"),
        (roles.RoleDraft("x" * 121), "title of 3 to 120"),
        (roles.RoleDraft("Designer", priority="urgent"), "high, medium or low"),
    ],
)
def test_bad_roles_are_refused_and_nothing_is_written(
    world: Database, encoder: Embedder, draft: roles.RoleDraft, message: str
) -> None:
    before = _counts(world)
    with pytest.raises(ValidationError, match=message):
        roles.create_role(world.uow(), _actor(world, "founder"), draft, encoder, NOW)
    assert _counts(world) == before


@pytest.mark.db
def test_publishing_filling_closing_and_reopening(world: Database, encoder: Embedder) -> None:
    founder = _actor(world, "founder")
    role = roles.create_role(
        world.uow(), founder, roles.RoleDraft("Growth Marketer II"), encoder, NOW
    )
    with pytest.raises(ValidationError, match="already called"):
        roles.create_role(world.uow(), founder, roles.RoleDraft("growth marketer ii"), encoder, NOW)
    roles.update_role(
        world.uow(), founder, role.id, roles.RoleEdits(jd_text="Too short"), encoder, NOW
    )
    with pytest.raises(ValidationError, match="before publishing"):
        roles.set_status(world.uow(), founder, role.id, "active", NOW)
    roles.regenerate_role(world.uow(), founder, role.id, encoder, NOW)
    with pytest.raises(ValidationError, match="cannot become filled"):
        roles.set_status(world.uow(), founder, role.id, "filled", NOW)
    assert roles.set_status(world.uow(), founder, role.id, "active", NOW).status == "active"
    assert role.id in {r.id for r in intake.list_open_roles(world.uow())}
    assert roles.set_status(world.uow(), founder, role.id, "closed", NOW).next_statuses == (
        "active",
    )
    assert role.id not in {r.id for r in intake.list_open_roles(world.uow())}
    with world.uow() as uow:
        moves = list(
            uow.session.scalars(
                select(AuditLog.summary).where(
                    AuditLog.entity_id == str(role.id), AuditLog.action == "role.status_changed"
                )
            )
        )
    assert [(m["from"], m["to"]) for m in moves] == [("draft", "active"), ("active", "closed")]


@pytest.mark.db
def test_edits_are_validated_and_saved_with_who_edited(world: Database, encoder: Embedder) -> None:
    talent = _actor(world, "talent_lead")
    role = roles.create_role(world.uow(), talent, roles.RoleDraft("Data Analyst"), encoder, NOW)
    before = _counts(world)
    with pytest.raises(ValidationError, match="at least one must-have"):
        roles.update_role(
            world.uow(), talent, role.id, roles.RoleEdits(must_have_skills=[]), encoder, NOW
        )
    with pytest.raises(ValidationError, match="at most 15"):
        edits = roles.RoleEdits(nice_to_have_skills=[f"skill {i}" for i in range(16)])
        roles.update_role(world.uow(), talent, role.id, edits, encoder, NOW)
    assert _counts(world) == before
    edits = roles.RoleEdits(
        title="Senior Data Analyst",
        jd_text=role.jd_text + "\n\nWe offer a four-day week.",
        must_have_skills=["SQL", "Statistics"],
    )
    later = datetime(2026, 11, 21, tzinfo=UTC)
    changed = roles.update_role(world.uow(), talent, role.id, edits, encoder, later)
    assert changed.title == "Senior Data Analyst" and changed.jd_text.endswith("four-day week.")
    assert changed.intelligence["must_have_skills"] == ["SQL", "Statistics"]
    assert changed.intelligence["jd"]["edited_by"] == talent.username
    assert changed.updated_at == later and changed.jd_generated_at == NOW
    with world.uow() as uow:
        audit = uow.session.scalars(
            select(AuditLog.summary).where(
                AuditLog.entity_id == str(role.id), AuditLog.action == "role.updated"
            )
        ).one()
    assert set(audit["fields"]) == {"title", "intelligence", "jd_text"}


@pytest.mark.db
def test_roles_are_tenant_scoped_and_need_the_permission(
    world: Database, encoder: Embedder
) -> None:
    own, other = _actor(world, "talent_lead", 0), _actor(world, "talent_lead", 1)
    theirs = roles.list_roles(world.uow(), other)[0]
    assert theirs.id not in {r.id for r in roles.list_roles(world.uow(), own)}
    before = _counts(world)
    for call in (
        lambda: roles.get_role(world.uow(), own, theirs.id),
        lambda: roles.set_status(world.uow(), own, theirs.id, "closed", NOW),
        lambda: roles.update_role(
            world.uow(), own, theirs.id, roles.RoleEdits(title="Mine now"), encoder, NOW
        ),
        lambda: roles.regenerate_role(world.uow(), own, uuid.uuid4(), encoder, NOW),
    ):
        with pytest.raises(NotFoundError):
            call()
    for role in ("interviewer", "employee"):
        with pytest.raises(PermissionDeniedError):
            roles.list_roles(world.uow(), _actor(world, role))
        with pytest.raises(PermissionDeniedError):
            roles.create_role(
                world.uow(), _actor(world, role), roles.RoleDraft("Sneaky Role"), encoder, NOW
            )
    assert _counts(world) == before


@pytest.mark.db
def test_demo_roles_get_embeddings_once(world: Database, encoder: Embedder) -> None:
    assert roles.embed_missing(world.uow(), encoder, NOW) > 0
    assert roles.embed_missing(world.uow(), encoder, NOW) == 0
    with world.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(RoleEmbedding)) == (
            uow.session.scalar(select(func.count()).select_from(Role))
        )


@pytest.mark.db
def test_the_roles_page_creates_a_role_and_shows_its_definition(world_app: Database) -> None:
    talent = _actor(world_app, "talent_lead")
    at = login_app(talent.username, "roles")
    assert not at.exception and at.title[0].value == "Roles"
    at.text_input[0].input("Founding Solutions Engineer")
    at.button(key="FormSubmitter:new_role-Create and generate").click().run(timeout=120)
    assert not at.exception, at.exception
    assert any("Created the draft role" in s.value for s in at.success)
    with world_app.uow() as uow:
        role = uow.session.scalars(
            select(Role).where(
                Role.company_id == talent.company_id, Role.title == "Founding Solutions Engineer"
            )
        ).one()
    assert role.status == "draft" and role.jd_text
    assert at.subheader[0].value == "Founding Solutions Engineer"
    assert role.role_intelligence["mission"] in [t.value for t in at.text]
