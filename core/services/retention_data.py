"""A company's retention data: every employee's history as monthly snapshots (the features
of ml.retention), for scoring today and for training its own model. Team pulse figures enter
only as the groups each closed round shows (ml.anonymity)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd

from core.repositories.retention import RetentionRepository
from ml import retention as rm

# --------------------------------------------------------------------------- company data

HISTORY_MONTHS = 24  # snapshots of the company's own history, for its measure and model


@dataclass
class CompanyData:
    people: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    names: dict[uuid.UUID, tuple[str, str | None, str | None, str]]  # name, team, title, status


def company_data(repo: RetentionRepository, company_id: uuid.UUID, today: date) -> CompanyData:
    roles = []
    for role_id, title, department, intelligence in repo.list_roles(company_id):
        pay = (intelligence or {}).get("compensation")
        if isinstance(pay, dict) and pay.get("min") and pay.get("max"):
            roles.append(
                {
                    "id": role_id,
                    "title": title,
                    "department": department,
                    "level": (intelligence or {}).get("level"),
                    "min": float(pay["min"]),
                    "max": float(pay["max"]),
                }
            )
    hire_roles = repo.list_hire_roles(company_id)
    checkpoints: dict[uuid.UUID, list[tuple[date, float]]] = {}
    for hire_id, completed, score in repo.list_checkpoint_scores(company_id):
        checkpoints.setdefault(hire_id, []).append((completed.date(), float(score)))
    people, names = [], {}
    for e in repo.list_employees(company_id):
        names[e.id] = (e.full_name, e.department, e.title, e.status)
        if e.start_date is None:
            continue
        end = e.end_date if e.end_date is not None or e.status != "left" else today
        person = {
            "key": e.id,
            "role_id": hire_roles.get(e.hire_id) if e.hire_id else None,
            "title": e.title,
            "department": e.department,
            "level": e.level,
            "salary": e.salary,
            "start_date": e.start_date,
            "end_date": end,
            "last_change_on": e.last_change_on,
            "checkpoints": tuple(sorted(checkpoints.get(e.hire_id, []))) if e.hire_id else (),
        }
        person["band"] = rm.band_for(person, roles)
        people.append(person)
    since = datetime.combine(
        today - timedelta(days=31 * HISTORY_MONTHS + rm.PULSE_WINDOW_DAYS), time(), UTC
    )
    answers = []
    for (
        answer_id,
        team,
        created,
        alignment,
        enps,
        data,
        round_id,
        closes,
    ) in repo.list_pulse_answers(company_id, since):
        manager = ((data or {}).get("answers") or {}).get("manager")
        answers.append(
            {
                "id": answer_id,
                "team": team,
                "on": created.date(),
                "round": round_id,
                "closes": closes.date() if closes is not None else created.date(),
                "alignment": alignment,
                "enps": enps,
                "manager": manager if isinstance(manager, int | float) else None,
            }
        )
    return CompanyData(people, answers, names)


def history_frame(data: CompanyData, today: date, min_group: int) -> pd.DataFrame:
    first = (today - timedelta(days=31 * HISTORY_MONTHS)).replace(day=1)
    return rm.snapshot_frame(
        data.people, data.answers, rm.month_starts(first, today), today, min_group=min_group
    )


def current_features(data: CompanyData, today: date, min_group: int) -> pd.DataFrame:
    """The features of every active employee today (one row each, ``key`` = employee id)."""
    active = [p for p in data.people if data.names[p["key"]][3] == "active"]
    return rm.snapshot_frame(active, data.answers, [today], today, min_group=min_group)
