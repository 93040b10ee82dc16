"""Job run leases: a running run's lease and fencing token, so a run whose worker died is
taken over, and the status "partial" for a job where some companies failed.

Runs recorded before this revision get the lease they would have had at their start (so a
run left ``running`` by a killed worker is stale at once) and attempt 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "status IS NULL OR status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')"
_NEW = "status IS NULL OR status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'partial')"


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE job_runs SET lease_expires_at = COALESCE(finished_at, started_at)")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.alter_column(
            "lease_expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index(
            "idx_job_runs_status_lease", ["status", "lease_expires_at"], unique=False
        )
        batch_op.drop_constraint(op.f("ck_job_runs_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_runs_status"), _NEW)
    # Requests share the statuses (JOB_STATUSES); keep their CHECK equal to the model's.
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_requests_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_status"), _NEW)


def downgrade() -> None:
    # The older schema knows no partial run: some companies failed, so it failed.
    op.execute("UPDATE job_runs SET status = 'failed' WHERE status = 'partial'")
    op.execute("UPDATE job_requests SET status = 'failed' WHERE status = 'partial'")
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_requests_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_status"), _OLD)
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_runs_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_runs_status"), _OLD)
        batch_op.drop_index("idx_job_runs_status_lease")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("attempt")
