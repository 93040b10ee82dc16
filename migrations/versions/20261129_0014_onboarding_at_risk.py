"""An onboarding plan can be "at risk" (a checkpoint's alignment below the threshold).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 03:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "status IS NULL OR status IN ('pending', 'in_progress', 'completed', 'cancelled')"
_NEW = "status IS NULL OR status IN ('pending', 'in_progress', 'at_risk', 'completed', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("onboarding_plans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_onboarding_plans_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_onboarding_plans_status"), _NEW)


def downgrade() -> None:
    # The older schema knows no "at risk": such a plan is still in progress.
    op.execute("UPDATE onboarding_plans SET status = 'in_progress' WHERE status = 'at_risk'")
    with op.batch_alter_table("onboarding_plans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_onboarding_plans_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_onboarding_plans_status"), _OLD)
