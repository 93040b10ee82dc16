"""Rescore requests: the worker rescans candidates when a role or the company DNA changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_OLD = "kind IS NULL OR kind IN ('sync', 'full_sync', 'dna_scan')"
_NEW = "kind IS NULL OR kind IN ('sync', 'full_sync', 'dna_scan', 'rescore')"


def upgrade() -> None:
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_requests_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_kind"), _NEW)
        batch_op.add_column(sa.Column("payload", JSON_TYPE, nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM job_requests WHERE kind = 'rescore'")
    with op.batch_alter_table("job_requests", schema=None) as batch_op:
        batch_op.drop_column("payload")
        batch_op.drop_constraint(op.f("ck_job_requests_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_requests_kind"), _OLD)
