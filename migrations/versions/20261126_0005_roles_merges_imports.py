"""Role embeddings, candidate merges and CSV imports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:06:00.510945
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "candidate_imports",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mapping", JSON_TYPE, nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidate_imports_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_imports")),
    )
    with op.batch_alter_table("candidate_imports", schema=None) as batch_op:
        batch_op.create_index(
            "idx_candidate_imports_company", ["company_id", "created_at"], unique=False
        )

    op.create_table(
        "role_embeddings",
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_role_embeddings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_role_embeddings_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_role_embeddings")),
    )
    with op.batch_alter_table("role_embeddings", schema=None) as batch_op:
        batch_op.create_index("idx_role_embeddings_company", ["company_id"], unique=False)

    op.create_table(
        "candidate_merges",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("merged_candidate_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("similarity", sa.Double(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("snapshot", JSON_TYPE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidate_merges_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_merges_survivor_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_merges")),
    )
    with op.batch_alter_table("candidate_merges", schema=None) as batch_op:
        batch_op.create_index(
            "idx_candidate_merges_survivor", ["company_id", "survivor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("candidate_merges", schema=None) as batch_op:
        batch_op.drop_index("idx_candidate_merges_survivor")

    op.drop_table("candidate_merges")
    with op.batch_alter_table("role_embeddings", schema=None) as batch_op:
        batch_op.drop_index("idx_role_embeddings_company")

    op.drop_table("role_embeddings")
    with op.batch_alter_table("candidate_imports", schema=None) as batch_op:
        batch_op.drop_index("idx_candidate_imports_company")

    op.drop_table("candidate_imports")
