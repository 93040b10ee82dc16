"""The permission matrix and company isolation, walked through every role and action."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import AuditLog, Candidate, Company, Interview, Role, User
from core.permissions import MATRIX, PAGES, ROLES, Permission, can, pages_for
from core.services import (
    analytics,
    audit,
    auth,
    candidates,
    fairness,
    fit_insight,
    imports,
    model_registry,
    pipeline,
    privacy_requests,
    roles,
    scoring,
    users,
)
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.helpers import actor_of_role

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 2, tzinfo=UTC)
ROOT_PAGES = {key: f"pages/{key}.py" for key in PAGES}


def _companies(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with db.uow() as uow:
        ids = list(uow.session.scalars(select(Company.id).order_by(Company.name)))
    return ids[0], ids[1]


def _user(db: Database, company_id: uuid.UUID, role: str) -> User:
    with db.uow() as uow:
        return uow.session.scalars(
            select(User).where(User.company_id == company_id, User.role == role)
        ).first()


def _candidate_for(db: Database, actor: auth.Actor) -> uuid.UUID:
    """A candidate the actor may see if their role sees candidates at all."""
    with db.uow() as uow:
        query = select(Interview.candidate_id).where(Interview.company_id == actor.company_id)
        if actor.role == "interviewer":
            query = query.where(Interview.interviewer_id == actor.user_id)
        return uow.session.scalars(query).first()


def _applied(db: Database, company_id: uuid.UUID) -> uuid.UUID:
    """A new candidate in the applied stage (moves use them up)."""
    with db.uow() as uow:
        candidate = Candidate(
            company_id=company_id,
            email=f"{uuid.uuid4().hex[:8]}@example.com",
            full_name="Fresh Applicant",
            status="applied",
            created_at=NOW,
            updated_at=NOW,
        )
        uow.session.add(candidate)
        uow.commit()
        return candidate.id


def _actions(db: Database, actor: auth.Actor, target_company: uuid.UUID) -> dict[str, tuple]:
    """Every service action, aimed at objects of ``target_company``."""
    employee = _user(db, target_company, "employee")
    if target_company == actor.company_id:
        candidate = _candidate_for(db, actor)
    else:
        with db.uow() as uow:
            candidate = uow.session.scalars(
                select(Candidate.id).where(Candidate.company_id == target_company)
            ).first()
    suffix = uuid.uuid4().hex[:6]
    with db.uow() as uow:
        role_id = uow.session.scalars(
            select(Role.id).where(Role.company_id == target_company)
        ).first()
    return {
        "list_roles": (Permission.MANAGE_ROLES, lambda: roles.list_roles(db.uow(), actor)),
        "view_role": (Permission.MANAGE_ROLES, lambda: roles.get_role(db.uow(), actor, role_id)),
        "list_imports": (
            Permission.IMPORT_CANDIDATES,
            lambda: imports.list_imports(db.uow(), actor),
        ),
        "overview": (
            Permission.VIEW_OVERVIEW,
            lambda: analytics.get_overview(db.uow(), actor, NOW),
        ),
        "list_candidates": (
            Permission.VIEW_CANDIDATES,
            lambda: candidates.list_candidates(db.uow(), actor),
        ),
        "view_candidate": (
            Permission.VIEW_CANDIDATES,
            lambda: candidates.get_candidate_profile(db.uow(), actor, candidate),
        ),
        "candidate_insight": (
            Permission.VIEW_SCORES,
            lambda: fit_insight.candidate_insight(db.uow(), actor, candidate),
        ),
        "export_candidates": (
            Permission.EXPORT_CANDIDATES,
            lambda: candidates.export_csv(db.uow(), actor, NOW),
        ),
        "rescore_candidate": (
            Permission.SCORE_CANDIDATES,
            lambda: scoring.rescore_candidate(
                db.uow(), actor, candidate, model_registry.load_models(), NOW
            ),
        ),
        "list_models": (
            Permission.VIEW_MODELS,
            lambda: model_registry.list_models(db.uow(), actor),
        ),
        "train_company_models": (
            Permission.TRAIN_MODELS,
            lambda: model_registry.train_company_models(
                db, actor, model_registry.load_models(), NOW
            ),
        ),
        "list_users": (Permission.MANAGE_USERS, lambda: users.list_users(db.uow(), actor)),
        "create_user": (
            Permission.MANAGE_USERS,
            lambda: users.create_user(
                db.uow(),
                actor,
                username=f"new.{actor.role}.{suffix}",
                email="n@example.com",
                full_name="New Person",
                role="employee",
                password="a-long-enough-pass-1",
            ),
        ),
        "set_role": (
            Permission.MANAGE_USERS,
            lambda: users.set_role(db.uow(), actor, employee.id, "interviewer"),
        ),
        "disable": (
            Permission.MANAGE_USERS,
            lambda: users.set_active(db.uow(), actor, employee.id, False, NOW),
        ),
        "reset_password": (
            Permission.MANAGE_USERS,
            lambda: users.reset_password(db.uow(), actor, employee.id, "another-long-pass-2", NOW),
        ),
        "audit_log": (Permission.VIEW_AUDIT_LOG, lambda: audit.list_audit(db.uow(), actor)),
        "bias_audit": (
            Permission.VIEW_FAIRNESS,
            lambda: fairness.bias_audit(db.uow(), actor, NOW.date(), NOW.date(), NOW),
        ),
        "privacy_requests": (
            Permission.MANAGE_PRIVACY,
            lambda: privacy_requests.list_requests(db.uow(), actor, NOW),
        ),
        "move_candidate": (
            Permission.MOVE_CANDIDATES,
            lambda: candidates.move_stage(
                db.uow(),
                actor,
                [_applied(db, target_company)],
                "screening",
                reason="matrix",
                now=NOW,
            ),
        ),
        "change_password": (
            Permission.MANAGE_OWN_ACCOUNT,
            lambda: auth.change_password(
                db.uow(), actor, "wrong-current-password", "a-new-long-pass-3", NOW
            ),
        ),
    }


def _snapshot(db: Database, company_id: uuid.UUID) -> dict[str, Any]:
    with db.uow() as uow:
        s = uow.session
        return {
            "users": sorted(
                (u.username, u.role, u.is_active, u.password_hash)
                for u in s.scalars(select(User).where(User.company_id == company_id))
            ),
            "audit": s.scalar(select(func.count()).where(AuditLog.company_id == company_id)),
        }


def test_matrix_covers_every_role_and_page() -> None:
    assert set(MATRIX) == set(ROLES)
    assert pages_for("admin") == list(PAGES)
    assert pages_for("employee") == ["my_onboarding", "pulse", "account"]
    assert pages_for("interviewer") == [
        "candidates",
        "pipeline",
        "candidate",
        "interviews",
        "pulse",
        "account",
    ]
    # Interviewers are not shown the model's view of a candidate, nor export candidates.
    assert not can("interviewer", Permission.VIEW_SCORES)
    assert not can("interviewer", Permission.EXPORT_CANDIDATES)
    # Impact ratios by self-identified group: founders and admins only.
    assert [r for r in ROLES if "fairness" in pages_for(r)] == ["admin", "founder"]
    assert "model_card" in pages_for("talent_lead") and "model_card" not in pages_for("employee")
    assert [r for r in ROLES if "analytics" in pages_for(r)] == ["admin", "founder", "talent_lead"]


@pytest.mark.parametrize("role", ROLES)
def test_every_service_action_is_allowed_or_refused_as_the_matrix_says(
    world: Database, role: str
) -> None:
    own, _ = _companies(world)
    actor = actor_of_role(world, own, role)
    employee = _user(world, own, "employee")
    for name, (permission, call) in _actions(world, actor, own).items():
        if can(role, permission):
            try:
                call()
            except ValidationError:
                # Reached the check of the current password / of the labelled outcomes.
                assert name in ("change_password", "train_company_models")
        else:
            before = _snapshot(world, own)
            with pytest.raises(PermissionDeniedError):
                call()
            assert _snapshot(world, own) == before, name
    if can(role, Permission.MANAGE_USERS):  # undo the writes for the next role
        users.set_role(world.uow(), actor, employee.id, "employee")
        users.set_active(world.uow(), actor, employee.id, True, NOW)


@pytest.mark.parametrize("role", ROLES)
def test_other_companys_ids_are_not_found_and_nothing_changes(world: Database, role: str) -> None:
    own, other = _companies(world)
    actor = actor_of_role(world, own, role)
    before = _snapshot(world, other)
    for name, (permission, call) in _actions(world, actor, other).items():
        if name in (
            "view_candidate",
            "view_role",
            "candidate_insight",
            "rescore_candidate",
            "set_role",
            "disable",
            "reset_password",
            "move_candidate",
        ):
            with pytest.raises((NotFoundError, PermissionDeniedError)):
                call()
            if can(role, permission):
                with pytest.raises(NotFoundError):
                    call()
    assert _snapshot(world, other) == before


def test_interviewers_see_only_their_candidates(world: Database) -> None:
    own, _ = _companies(world)
    interviewer = actor_of_role(world, own, "interviewer")
    talent = actor_of_role(world, own, "talent_lead")
    mine = candidates.list_candidates(world.uow(), interviewer, limit=200)
    everyone = candidates.list_candidates(world.uow(), talent, limit=200)
    assert 0 < mine.total < everyone.total
    with world.uow() as uow:
        interviewed = set(
            uow.session.scalars(
                select(Interview.candidate_id).where(
                    Interview.interviewer_id == interviewer.user_id
                )
            )
        )
    assert {r.id for r in mine.rows} == interviewed
    stranger = next(r.id for r in everyone.rows if r.id not in interviewed)
    with pytest.raises(NotFoundError):
        candidates.get_candidate_profile(world.uow(), interviewer, stranger)


def test_an_interviewer_is_never_shown_the_models_view_or_other_interviewers_notes(
    world: Database,
) -> None:
    own, _ = _companies(world)
    interviewer = actor_of_role(world, own, "interviewer")
    talent = actor_of_role(world, own, "talent_lead")
    mine = candidates.list_candidates(world.uow(), interviewer, limit=200)
    assert not mine.scores_visible and all(
        r.fit_score is None and r.success_probability is None for r in mine.rows
    )
    with pytest.raises(ValidationError):
        candidates.list_candidates(world.uow(), interviewer, sort="fit")
    # A candidate the interviewer interviews, whom another user interviews too.
    with world.uow() as uow:
        candidate_id = next(
            iter(
                uow.session.scalars(
                    select(Interview.candidate_id).where(
                        Interview.interviewer_id == interviewer.user_id
                    )
                )
            )
        )
        uow.session.add(
            Interview(
                company_id=own,
                candidate_id=candidate_id,
                interviewer_id=talent.user_id,
                interview_type="culture",
                score=2,
                feedback={"concerns": "A colleague's private note"},
            )
        )
        uow.session.get(Candidate, candidate_id).fit_score = 91
        uow.commit()
    profile = candidates.get_candidate_profile(world.uow(), interviewer, candidate_id)
    assert not profile.scores_visible and profile.fit_score is None
    assert profile.interviews and all(
        i.concerns != "A colleague's private note" for i in profile.interviews
    )
    full = candidates.get_candidate_profile(world.uow(), talent, candidate_id)
    assert full.fit_score == 91 and len(full.interviews) > len(profile.interviews)
    assert "A colleague's private note" in {i.concerns for i in full.interviews}
    with pytest.raises(PermissionDeniedError):
        fit_insight.candidate_insight(world.uow(), interviewer, candidate_id)


def test_viewing_a_profile_writes_an_audit_row(world: Database) -> None:
    own, _ = _companies(world)
    actor = actor_of_role(world, own, "talent_lead")
    candidate = _candidate_for(world, actor)

    def views() -> int:
        with world.uow() as uow:
            return uow.session.scalar(
                select(func.count()).where(
                    AuditLog.action == "candidate.viewed",
                    AuditLog.entity_id == str(candidate),
                    AuditLog.actor_user_id == actor.user_id,
                    AuditLog.company_id == own,
                )
            )

    before = views()
    candidates.get_candidate_profile(world.uow(), actor, candidate)
    assert views() == before + 1


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_or_refuses_as_the_matrix_says(
    world: Database, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", world.url)
    get_settings.cache_clear()
    own, _ = _companies(world)
    actor = actor_of_role(world, own, role)
    try:
        for key, path in ROOT_PAGES.items():
            at = AppTest.from_file(str(ROOT / path), default_timeout=60)
            at.session_state["_peopleos_routed"] = True
            at.session_state["actor"] = actor
            at.run()
            assert not at.exception, (key, at.exception)
            refused = [e.value for e in at.error if "does not allow" in e.value]
            if can(role, PAGES[key]):
                assert not refused and len(at.title) == 1, key
            else:
                assert refused and len(at.title) == 0, key
    finally:
        get_settings.cache_clear()


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_stage_moves_are_checked_audited_and_all_or_nothing(world: Database) -> None:
    from core.models import CandidateStageEvent

    own, _ = _companies(world)
    talent = actor_of_role(world, own, "talent_lead")
    applied = [_applied(world, own), _applied(world, own)]
    with world.uow() as uow:
        hired = uow.session.scalars(
            select(Candidate.id).where(Candidate.company_id == own, Candidate.status == "hired")
        ).first()
    with pytest.raises(ValidationError, match="cannot move"):
        candidates.move_stage(
            world.uow(), talent, [applied[0], hired], "screening", reason="batch", now=NOW
        )
    with pytest.raises(ValidationError, match="rejection reason"):
        candidates.move_stage(world.uow(), talent, applied, "rejected", reason="no", now=NOW)
    with world.uow() as uow:
        assert {uow.session.get(Candidate, c).status for c in applied} == {"applied"}
    assert (
        candidates.move_stage(
            world.uow(), talent, applied, "screening", reason="Strong resumes", now=NOW
        )
        == 2
    )
    interviewer = actor_of_role(world, own, "interviewer")
    with pytest.raises(PermissionDeniedError):
        candidates.move_stage(world.uow(), interviewer, applied, "interview", reason="x", now=NOW)
    with world.uow() as uow:
        assert {uow.session.get(Candidate, c).status for c in applied} == {"screening"}
        events = uow.session.scalars(
            select(CandidateStageEvent).where(CandidateStageEvent.candidate_id.in_(applied))
        ).all()
        assert {(e.from_status, e.to_status) for e in events} == {("applied", "screening")}
        moved = uow.session.scalar(
            select(func.count()).where(
                AuditLog.action == "candidate.moved",
                AuditLog.entity_id.in_([str(c) for c in applied]),
            )
        )
        assert moved == 2


def test_csv_export_is_scoped_escaped_and_audited(world: Database) -> None:
    import csv
    import io

    own, _ = _companies(world)
    talent = actor_of_role(world, own, "talent_lead")
    interviewer = actor_of_role(world, own, "interviewer")
    with world.uow() as uow:
        uow.session.add(
            Candidate(
                company_id=own,
                email="evil@example.com",
                full_name='=HYPERLINK("http://x")',
                status="applied",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        uow.commit()
    everyone = list(csv.DictReader(io.StringIO(candidates.export_csv(world.uow(), talent, NOW))))
    total = candidates.list_candidates(world.uow(), talent).total
    assert len(everyone) == total > 20
    evil = next(r for r in everyone if r["email"] == "evil@example.com")
    assert evil["name"].startswith("'=")
    # Interviewers cannot export candidates at all.
    with pytest.raises(PermissionDeniedError):
        candidates.export_csv(world.uow(), interviewer, NOW)
    with world.uow() as uow:
        exports = uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "candidate.exported")
        ).all()
    assert interviewer.username not in {e.actor for e in exports}
    assert max(e.summary["rows"] for e in exports if e.actor == talent.username) == total


def test_pipeline_board_groups_by_stage_and_counts_conversion(world: Database) -> None:
    from core.models import Role

    own, _ = _companies(world)
    talent = actor_of_role(world, own, "talent_lead")
    with world.uow() as uow:
        role = Role(company_id=own, title="Board Test Role", status="active", priority="low")
        uow.session.add(role)
        uow.commit()
    people = [_applied(world, own) for _ in range(4)]
    with world.uow() as uow:
        for candidate_id in people:
            uow.session.get(Candidate, candidate_id).role_id = role.id
        uow.commit()
    move = candidates.move_stage
    move(world.uow(), talent, people[:3], "screening", reason="good", now=NOW)
    move(world.uow(), talent, people[:1], "interview", reason="great", now=NOW)
    move(world.uow(), talent, people[1:2], "rejected", reason="no", reason_code="skills", now=NOW)
    summary = pipeline.pipeline_summary(world.uow(), talent, role.id, NOW)
    assert {s: n for s, n in summary.counts.items() if n} == {
        "applied": 1,
        "screening": 1,
        "interview": 1,
        "rejected": 1,
    }
    steps = {(c.previous, c.stage): (c.reached, c.base) for c in summary.conversions}
    assert steps == {
        ("applied", "screening"): (3, 4),
        ("screening", "interview"): (1, 3),
        ("interview", "offer"): (0, 1),
        ("offer", "hired"): (0, 0),
    }
    # Four candidates are too few for a percentage: the page shows the counts.
    assert [c.label() for c in summary.conversions] == ["3 of 4", "1 of 3", "0 of 1", "—"]
