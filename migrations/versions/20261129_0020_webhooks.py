"""Webhooks out: the endpoints companies register, delivered as notifications on a new
"webhook" channel of the outbox.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_OLD = "channel IS NULL OR channel IN ('slack', 'email')"
_NEW = "channel IS NULL OR channel IN ('slack', 'email', 'webhook')"


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("events", JSON_TYPE, nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_webhook_endpoints_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        "idx_webhook_endpoints_company", "webhook_endpoints", ["company_id", "disabled_at"]
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_channel"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_channel"), _NEW)


def downgrade() -> None:
    # The older schema has no webhook channel: its deliveries go with it.
    op.execute("DELETE FROM notifications WHERE channel = 'webhook'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_channel"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_channel"), _OLD)
    op.drop_index("idx_webhook_endpoints_company", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
