"""Structured interview feedback: one scorecard per panelist and interview (an anchored 1-4
rating for each dimension the interview covers, evidence in the interviewer's words, a
recommendation), and the debrief that sets the panel's ratings beside the model's.

Submitted feedback is final: a correction is a new, audited version. Someone on one of a
candidate's panels (an interviewer, or a founder sitting in) sees no one else's feedback on
that candidate until they have submitted their own, so the first opinion in the room does
not anchor the rest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from core.db import UnitOfWork
from core.models import Interview, InterviewScorecard
from core.models.enums import SCORECARD_RECOMMENDATIONS
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.interviews import InterviewRepository
from core.repositories.scoring import ScoringRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.scope import visible_candidate
from ml.interview_questions import DEFAULT_DIMENSIONS, DIMENSIONS

RATINGS = {
    1: "1 · Strong concern",
    2: "2 · Some concern",
    3: "3 · Meets the bar",
    4: "4 · Above the bar",
}
RECOMMENDATIONS = {"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}
MAX_EVIDENCE = 2000


@dataclass(frozen=True)
class Scorecard:
    interview_id: uuid.UUID
    interview_type: str | None
    interviewer: str
    interviewer_id: uuid.UUID
    version: int
    ratings: dict[str, int]
    evidence: dict[str, str]
    recommendation: str
    submitted_at: datetime


@dataclass(frozen=True)
class Feedback:
    """The scorecards an actor may read on one candidate, and how many are held back."""

    scorecards: list[Scorecard]
    hidden: int  # others' scorecards, shown once the actor has submitted their own


@dataclass(frozen=True)
class DebriefRow:
    dimension: str
    label: str
    model: int | None  # the fit model's 0-100 score for the dimension
    ratings: dict[str, int]  # interviewer name -> 1-4


def dimensions_of(interview: Interview) -> list[str]:
    """The dimensions an interview's scorecard rates: those its questions probe, else its
    type's defaults."""
    from_kit = [q.get("dimension") for q in interview.questions or []]
    found = list(dict.fromkeys(d for d in from_kit if d in DIMENSIONS))
    return found or list(DEFAULT_DIMENSIONS.get(interview.interview_type or "", ("role",)))


def scorecard_form(uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID) -> list[str]:
    """The dimensions the actor's scorecard on this interview rates (panelists only)."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        return dimensions_of(_panel_interview(uow, actor, interview_id))


def submit_scorecard(
    uow: UnitOfWork,
    actor: Actor,
    interview_id: uuid.UUID,
    ratings: dict[str, int],
    evidence: dict[str, str],
    recommendation: str,
    now: datetime,
) -> Scorecard:
    """Submit the actor's scorecard on an interview they sat on the panel of; a second
    submission is a correction (a new version; the first stays)."""
    actor.require(Permission.VIEW_CANDIDATES)
    if recommendation not in SCORECARD_RECOMMENDATIONS:
        raise ValidationError("Choose a recommendation: strong no, no, yes or strong yes.")
    with uow:
        interview = _panel_interview(uow, actor, interview_id)
        if interview.status == "cancelled":
            raise ValidationError("This interview was cancelled; there is nothing to rate.")
        wanted = dimensions_of(interview)
        clean_ratings, clean_evidence = _checked(wanted, ratings, evidence)
        repo = InterviewRepository(uow.session)
        mine = [
            card
            for card, _, _ in repo.latest_scorecards(actor.company_id, interview_ids=[interview.id])
            if card.interviewer_id == actor.user_id
        ]
        previous = mine[0] if mine else None
        card = InterviewScorecard(
            company_id=actor.company_id,
            interview_id=interview.id,
            interviewer_id=actor.user_id,
            version=previous.version + 1 if previous else 1,
            ratings=clean_ratings,
            evidence=clean_evidence,
            recommendation=recommendation,
            supersedes_id=previous.id if previous else None,
            created_at=now,
        )
        repo.add_scorecard(card)
        _record_on_interview(repo, actor, interview, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="interview.feedback_corrected" if previous else "interview.feedback_submitted",
            entity_type="interview",
            entity_id=str(interview.id),
            summary={"version": card.version, "recommendation": recommendation},
        )
        uow.commit()
        return _scorecard(card, interview, actor.full_name)


def _checked(
    wanted: list[str], ratings: dict[str, int], evidence: dict[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Every dimension rated 1-4 (and nothing else); evidence trimmed and bounded."""
    if set(ratings) != set(wanted):
        names = ", ".join(DIMENSIONS[d] for d in wanted)
        raise ValidationError(f"Rate each of: {names}.")
    for dimension, value in ratings.items():
        if isinstance(value, bool) or value not in RATINGS:
            raise ValidationError(f"{DIMENSIONS[dimension]}: a rating is 1, 2, 3 or 4.")
    notes = {d: " ".join(str(evidence.get(d, "")).split()) for d in wanted}
    if any(len(text) > MAX_EVIDENCE for text in notes.values()):
        raise ValidationError(f"Evidence is at most {MAX_EVIDENCE} characters per dimension.")
    if not any(notes.values()):
        raise ValidationError("Write down what you saw for at least one dimension.")
    return {d: int(ratings[d]) for d in wanted}, {d: t for d, t in notes.items() if t}


def _record_on_interview(
    repo: InterviewRepository, actor: Actor, interview: Interview, now: datetime
) -> None:
    """The interview's score is the panel's mean rating on 0-100; once its time has come,
    feedback on it means it happened."""
    cards = repo.latest_scorecards(actor.company_id, interview_ids=[interview.id])
    means = [fmean(card.ratings.values()) for card, _, _ in cards if card.ratings]
    interview.score = round((fmean(means) - 1) / 3 * 100) if means else None
    if interview.scheduled_at is None or interview.scheduled_at <= now:
        interview.status = "completed"
        interview.conducted_at = interview.conducted_at or now


def _panel_interview(uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID) -> Interview:
    repo = InterviewRepository(uow.session)
    interview = repo.get(actor.company_id, interview_id)
    if interview is None:
        raise NotFoundError("Interview not found.")
    panel = {user.id for _, user in repo.list_panel(actor.company_id, [interview.id])}
    if actor.user_id not in panel:
        raise ValidationError(
            "Only the interview's panel gives feedback on it, and you are not on this panel."
        )
    return interview


def list_feedback(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> Feedback:
    """The scorecards on a candidate the actor may read (see the module docstring)."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        visible_candidate(uow.session, actor, candidate_id)
        cards, held_back = _readable(uow, actor, candidate_id)
    return Feedback([], len(cards)) if held_back else Feedback(cards, 0)


def _readable(
    uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID
) -> tuple[list[Scorecard], bool]:
    """The candidate's latest scorecards, and whether they are held back from the actor:
    someone on one of the candidate's panels (a founder too) who has not given their own."""
    repo = InterviewRepository(uow.session)
    rows = repo.latest_scorecards(actor.company_id, candidate_id=candidate_id)
    cards = [_scorecard(card, interview, name) for card, interview, name in rows]
    held = [i for i, _ in repo.list_for_candidate(actor.company_id, candidate_id)]
    panels = repo.list_panel(actor.company_id, [i.id for i in held if i.status != "cancelled"])
    on_a_panel = any(user.id == actor.user_id for _, user in panels)
    gave_own = any(c.interviewer_id == actor.user_id for c in cards)
    return cards, bool(cards) and on_a_panel and not gave_own


def debrief(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> list[DebriefRow]:
    """Each dimension: the fit model's score beside every interviewer's latest rating
    (none while the actor sits on the candidate's panel without having given their own)."""
    actor.require(Permission.VIEW_SCORES)
    with uow:
        visible_candidate(uow.session, actor, candidate_id)
        model = {
            d.dimension_type: d.score
            for d in ScoringRepository(uow.session).dimensions(actor.company_id, candidate_id)
        }
        cards, held_back = _readable(uow, actor, candidate_id)
    rated: dict[str, dict[str, int]] = {}
    for card in [] if held_back else cards:
        who = f"{card.interviewer} ({card.interview_type})"
        for dimension, value in card.ratings.items():
            rated.setdefault(dimension, {})[who] = value
    return [
        DebriefRow(key, label, model.get(key), rated.get(key, {}))
        for key, label in DIMENSIONS.items()
        if key in model or key in rated
    ]


def _scorecard(card: InterviewScorecard, interview: Interview, name: str) -> Scorecard:
    return Scorecard(
        interview_id=interview.id,
        interview_type=interview.interview_type,
        interviewer=name,
        interviewer_id=card.interviewer_id,
        version=card.version,
        ratings={k: int(v) for k, v in card.ratings.items()},
        evidence=dict(card.evidence),
        recommendation=card.recommendation,
        submitted_at=card.created_at,
    )
