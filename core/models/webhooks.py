"""Webhook endpoints: the URLs a company registers to hear of its events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.encrypted import EncryptedText


class WebhookEndpoint(UUIDPrimaryKey, CreatedAt, Base):
    """One receiver of a company's events. Deliveries are notification rows on the
    ``webhook`` channel whose recipient is this row's id. The URL (it may carry a token)
    and the signing secret are encrypted at rest; the secret is shown once, when made."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("idx_webhook_endpoints_company", "company_id", "disabled_at"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(EncryptedText("webhook_endpoints.url"))
    # Scheme and host only, to tell endpoints apart in lists without decrypting the URL.
    host: Mapped[str] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(EncryptedText("webhook_endpoints.secret"))
    events: Mapped[list[Any]]
    description: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    disabled_at: Mapped[datetime | None]
