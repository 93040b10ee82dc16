"""What a public application brings: consent, the resume file, voluntary self-identification,
the resume's embedding, and the history of stage moves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.encrypted import EncryptedBytes, EncryptedJSON


class Consent(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "consents"
    __table_args__ = (Index("idx_consents_candidate", "company_id", "candidate_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(50))
    notice_version: Mapped[str] = mapped_column(String(20))
    retention_days: Mapped[int] = mapped_column(Integer)
    granted_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    client_address: Mapped[str | None] = mapped_column(String(64))


class CandidateDocument(UUIDPrimaryKey, CreatedAt, Base):
    """An uploaded file, kept in the database so it commits with the application."""

    __tablename__ = "candidate_documents"
    __table_args__ = (Index("idx_candidate_documents_candidate", "company_id", "candidate_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # pdf, docx, text
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(EncryptedBytes("candidate_documents.content"))


class SelfIdentification(UUIDPrimaryKey, CreatedAt, Base):
    """Voluntary demographic answers: stored apart, never shown to reviewers, never a feature.

    Used only in aggregate to measure adverse impact.
    """

    __tablename__ = "self_id"
    __table_args__ = (UniqueConstraint("candidate_id", name="uq_self_id_candidate"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("self_id.answers"))


class CandidateEmbedding(Base):
    __tablename__ = "candidate_embeddings"
    __table_args__ = (Index("idx_candidate_embeddings_company", "company_id"),)

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    text_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class CandidateStageEvent(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "candidate_stage_events"
    __table_args__ = (Index("idx_stage_events_candidate", "company_id", "candidate_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(50))
    to_status: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))


class CandidateMerge(UUIDPrimaryKey, CreatedAt, Base):
    """A duplicate folded into another candidate: who, why, and the merged row as it was.

    The survivor takes over the duplicate's documents, consents, stage events, interviews
    and self-identification, so nothing of its history is lost.
    """

    __tablename__ = "candidate_merges"
    __table_args__ = (Index("idx_candidate_merges_survivor", "company_id", "survivor_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    merged_candidate_id: Mapped[uuid.UUID]  # the row no longer exists; kept for the record
    reason: Mapped[str] = mapped_column(String(50))  # same_email, near_identical_resume
    similarity: Mapped[float | None]
    actor: Mapped[str] = mapped_column(String(100))
    # The merged candidate's columns at merge time (its resume too, hence encrypted).
    snapshot: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("candidate_merges.snapshot"))


class CandidateImport(UUIDPrimaryKey, CreatedAt, Base):
    """One committed CSV import of candidates (all rows or none)."""

    __tablename__ = "candidate_imports"
    __table_args__ = (Index("idx_candidate_imports_company", "company_id", "created_at"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]]  # PeopleOS field -> CSV column
    rows_total: Mapped[int] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer)
    updated_count: Mapped[int] = mapped_column(Integer)
    unchanged_count: Mapped[int] = mapped_column(Integer)
