"""Job requests of the kind "retrain": "Retrain now" on the Models page asks the worker to
retrain the company's models.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "kind IN ('sync', 'full_sync', 'dna_scan', 'rescore')"
_NEW = "kind IN ('sync', 'full_sync', 'dna_scan', 'rescore', 'retrain')"


def upgrade() -> None:
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_requests_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_kind"), _NEW)


def downgrade() -> None:
    # The older schema has no retrain request: those rows go with it.
    op.execute("DELETE FROM job_requests WHERE kind = 'retrain'")
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_requests_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_kind"), _OLD)
