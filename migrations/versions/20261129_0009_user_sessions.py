"""Server-side login sessions: the cookie names a session row, so logging out ends it on
the server. Replaces the users' token version and revocation time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_user_sessions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index("idx_user_sessions_expires", ["expires_at"], unique=False)
        batch_op.create_index("idx_user_sessions_user", ["user_id", "revoked_at"], unique=False)
    # Every older login cookie ends: it names no session.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("sessions_revoked_at")
        batch_op.drop_column("token_version")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("sessions_revoked_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index("idx_user_sessions_user")
        batch_op.drop_index("idx_user_sessions_expires")
    op.drop_table("user_sessions")
