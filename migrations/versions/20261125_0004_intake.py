"""Public intake: consents, resume files, self-identification, embeddings, stage events;
candidate references, company slugs for careers pages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 05:03:25.243651
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "candidate_documents",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_documents_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidate_documents_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_documents")),
    )
    with op.batch_alter_table("candidate_documents", schema=None) as batch_op:
        batch_op.create_index(
            "idx_candidate_documents_candidate", ["company_id", "candidate_id"], unique=False
        )

    op.create_table(
        "candidate_embeddings",
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_embeddings_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidate_embeddings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidate_embeddings")),
    )
    with op.batch_alter_table("candidate_embeddings", schema=None) as batch_op:
        batch_op.create_index("idx_candidate_embeddings_company", ["company_id"], unique=False)

    op.create_table(
        "candidate_stage_events",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=50), nullable=True),
        sa.Column("to_status", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.String(length=50), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_stage_events_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidate_stage_events_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_stage_events")),
    )
    with op.batch_alter_table("candidate_stage_events", schema=None) as batch_op:
        batch_op.create_index(
            "idx_stage_events_candidate", ["company_id", "candidate_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=50), nullable=False),
        sa.Column("notice_version", sa.String(length=20), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_consents_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_consents_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            "idx_consents_candidate", ["company_id", "candidate_id"], unique=False
        )

    op.create_table(
        "self_id",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("answers", JSON_TYPE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_self_id_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_self_id_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_id")),
        sa.UniqueConstraint("candidate_id", name="uq_self_id_candidate"),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("resume_profile", JSON_TYPE, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_candidates_reference"), ["reference"])

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_companies_slug"), ["slug"])

    # Existing companies get a slug from their name (unique, lower-case letters and digits).
    conn = op.get_bind()
    taken: set[str] = set()
    for company_id, name in conn.execute(sa.text("SELECT id, name FROM companies")).all():
        base = "".join(ch for ch in name.lower().split()[0] if ch.isalnum()) or "company"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}{n}", n + 1
        taken.add(slug)
        conn.execute(
            sa.text("UPDATE companies SET slug = :slug WHERE id = :id"),
            {"slug": slug, "id": company_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_companies_slug"), type_="unique")
        batch_op.drop_column("slug")

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_candidates_reference"), type_="unique")
        batch_op.drop_column("resume_profile")
        batch_op.drop_column("reference")

    op.drop_table("self_id")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("idx_consents_candidate")

    op.drop_table("consents")
    with op.batch_alter_table("candidate_stage_events", schema=None) as batch_op:
        batch_op.drop_index("idx_stage_events_candidate")

    op.drop_table("candidate_stage_events")
    with op.batch_alter_table("candidate_embeddings", schema=None) as batch_op:
        batch_op.drop_index("idx_candidate_embeddings_company")

    op.drop_table("candidate_embeddings")
    with op.batch_alter_table("candidate_documents", schema=None) as batch_op:
        batch_op.drop_index("idx_candidate_documents_candidate")

    op.drop_table("candidate_documents")
