"""Index a role's candidates by stage and time in stage (the Pipeline page's default order
and its median days per stage), replacing the (company, role, status) index it extends.

Without it a role of 12,500 candidates is read whole and sorted for every page of 50.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 00:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(
            "idx_candidates_company_role_status_stage",
            ["company_id", "role_id", "status", "stage_entered_at", "id"],
            unique=False,
        )
        batch_op.drop_index("idx_candidates_company_role_status")


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(
            "idx_candidates_company_role_status", ["company_id", "role_id", "status"], unique=False
        )
        batch_op.drop_index("idx_candidates_company_role_status_stage")
