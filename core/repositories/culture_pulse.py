"""Culture pulse rounds, who was asked, and the anonymous answers, scoped by company.

No query here joins an answer to an employee: answers carry no employee, and nothing
else links them (see :mod:`core.models.culture_pulse`).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from core.models import (
    Company,
    CulturePulse,
    CulturePulseCheck,
    CulturePulseParticipant,
    Employee,
    User,
)
from core.repositories.base import Repository


class CulturePulseRepository(Repository):
    def add_pulse(self, pulse: CulturePulse) -> None:
        self.session.add(pulse)

    def add_participant(self, participant: CulturePulseParticipant) -> None:
        self.session.add(participant)

    def add_check(self, check: CulturePulseCheck) -> None:
        self.session.add(check)

    def get_pulse(self, company_id: uuid.UUID, pulse_id: uuid.UUID) -> CulturePulse | None:
        return self.session.scalars(
            select(CulturePulse).where(
                CulturePulse.company_id == company_id, CulturePulse.id == pulse_id
            )
        ).first()

    def list_pulses(self, company_id: uuid.UUID) -> list[CulturePulse]:
        """Every round, oldest first."""
        return list(
            self.session.scalars(
                select(CulturePulse)
                .where(CulturePulse.company_id == company_id)
                .order_by(CulturePulse.opened_at, CulturePulse.id)
            )
        )

    def get_latest_pulse(self, company_id: uuid.UUID) -> CulturePulse | None:
        return self.session.scalars(
            select(CulturePulse)
            .where(CulturePulse.company_id == company_id)
            .order_by(CulturePulse.opened_at.desc(), CulturePulse.id)
            .limit(1)
        ).first()

    def get_participant(
        self, company_id: uuid.UUID, pulse_id: uuid.UUID, employee_id: uuid.UUID
    ) -> CulturePulseParticipant | None:
        """The employee's invitation to a round, locked: two submissions cannot both pass."""
        return self.session.scalars(
            select(CulturePulseParticipant)
            .where(
                CulturePulseParticipant.company_id == company_id,
                CulturePulseParticipant.pulse_id == pulse_id,
                CulturePulseParticipant.employee_id == employee_id,
            )
            .with_for_update()
        ).first()

    def list_unanswered(
        self, company_id: uuid.UUID, pulse_id: uuid.UUID
    ) -> list[tuple[CulturePulseParticipant, str | None, str]]:
        """Those asked who have not answered nor been reminded, with email and name."""
        rows = self.session.execute(
            select(CulturePulseParticipant, Employee.email, Employee.full_name)
            .join(Employee, Employee.id == CulturePulseParticipant.employee_id)
            .where(
                CulturePulseParticipant.company_id == company_id,
                CulturePulseParticipant.pulse_id == pulse_id,
                CulturePulseParticipant.answered.is_(False),
                CulturePulseParticipant.reminded.is_(False),
            )
            .order_by(CulturePulseParticipant.id)
        )
        return [(p, email, name) for p, email, name in rows]

    def count_asked_by_team(self, company_id: uuid.UUID) -> dict[tuple[uuid.UUID, str | None], int]:
        """(round, team) -> how many were asked."""
        rows = self.session.execute(
            select(
                CulturePulseParticipant.pulse_id,
                CulturePulseParticipant.team,
                func.count(),
            )
            .where(CulturePulseParticipant.company_id == company_id)
            .group_by(CulturePulseParticipant.pulse_id, CulturePulseParticipant.team)
        )
        return {(pulse, team): int(n) for pulse, team, n in rows}

    def list_checks(self, company_id: uuid.UUID) -> list[CulturePulseCheck]:
        """Every answer sheet of the company's rounds (anonymous), in id order."""
        return list(
            self.session.scalars(
                select(CulturePulseCheck)
                .where(
                    CulturePulseCheck.company_id == company_id,
                    CulturePulseCheck.pulse_id.is_not(None),
                )
                .order_by(CulturePulseCheck.id)
            )
        )

    def list_respondents(self, company_id: uuid.UUID, today: date) -> list[tuple[Employee, str]]:
        """Active employees who can answer (an active account and an email), with their
        username."""
        rows = self.session.execute(
            select(Employee, User.username)
            .join(User, User.employee_id == Employee.id)
            .where(
                Employee.company_id == company_id,
                User.company_id == company_id,
                Employee.status == "active",
                User.is_active.is_(True),
                Employee.email.is_not(None),
                (Employee.end_date.is_(None)) | (Employee.end_date > today),
            )
            .order_by(Employee.full_name, Employee.id)
        )
        return [(employee, username) for employee, username in rows]

    def list_company_ids(self) -> list[uuid.UUID]:
        """Every company (the worker's schedule runs per company)."""
        return list(self.session.scalars(select(Company.id).order_by(Company.id)))
