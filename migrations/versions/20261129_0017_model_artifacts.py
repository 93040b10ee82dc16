"""Model artifacts in the registry: the pickled model and its sha256 on model_versions.

Every web process and worker loads the same model from the database; the local file is a
cache checked against the checksum. Rows registered before this revision have no bytes
(they are filled in when the model is next registered).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artifact", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("artifact_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("artifact_sha256")
        batch_op.drop_column("artifact")
