"""Data key rotation: every encrypted value re-encrypted under the current key.

``PEOPLEOS_DATA_KEY`` lists the new key first and the old ones after it; rotation reads each
encrypted column company by company in pages of ``batch_size`` rows, re-encrypts the values
not under the current key (and legacy plaintexts written before encryption), and commits
each page in its own transaction. A stop part-way keeps the pages already done; running it
again skips every value already under the current key, so it carries on where it stopped.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from core.crypto import keyring, stored_key_id
from core.db import UnitOfWork
from core.repositories.audit import AuditRepository
from core.repositories.encryption import (
    EncryptionRepository,
    column_name,
    encrypted_columns,
)

PLAINTEXT = "plaintext"  # a value written before encryption, in key counts


@dataclass
class RotationReport:
    """What a rotation did: values re-encrypted per column, and the pages committed."""

    key_id: str
    reencrypted: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    finished: bool = False


def rotate_data_key(
    uow: UnitOfWork,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every value not under the current data key, ``batch_size`` rows per
    transaction; idempotent and resumable.

    ``max_batches`` stops after that many committed pages (``finished`` is then False);
    ``progress(column, rows checked, rows re-encrypted)`` is told after every page.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    current = keyring().current_id
    report = RotationReport(key_id=current)
    with uow:
        companies = EncryptionRepository(uow.session).list_company_ids()
    for column in encrypted_columns():
        name = column_name(column)
        checked = 0
        for company_id in companies:
            after: uuid.UUID | None = None
            while True:
                if max_batches is not None and report.batches >= max_batches:
                    return report
                with uow:
                    repo = EncryptionRepository(uow.session)
                    page = repo.list_headers(company_id, column, after, batch_size)
                    if not page:
                        break
                    after = page[-1][0]
                    stale = [row_id for row_id, head in page if stored_key_id(head) != current]
                    if stale:
                        repo.add_ciphertexts(
                            company_id, column, repo.list_values(company_id, column, stale)
                        )
                        AuditRepository(uow.session).add(
                            actor="cli",
                            action="privacy.data_key_rotated",
                            entity_type="encrypted_column",
                            entity_id=name,
                            company_id=company_id,
                            summary={"rows": len(stale), "key_id": current},
                        )
                        uow.commit()
                        report.batches += 1
                        report.reencrypted[name] += len(stale)
                checked += len(page)
                if progress is not None:
                    progress(name, checked, report.reencrypted[name])
    report.finished = True
    return report


def data_key_counts(uow: UnitOfWork) -> dict[str, Counter[str]]:
    """How many stored values each key id encrypted, per column (``plaintext`` for values
    from before encryption); reads only the start of each value."""
    counts: dict[str, Counter[str]] = {}
    with uow:
        repo = EncryptionRepository(uow.session)
        companies = repo.list_company_ids()
        for column in encrypted_columns():
            tally = counts.setdefault(column_name(column), Counter())
            for company_id in companies:
                after: uuid.UUID | None = None
                while page := repo.list_headers(company_id, column, after, 5000):
                    after = page[-1][0]
                    tally.update(stored_key_id(head) or PLAINTEXT for _, head in page)
    return counts


def check_data_key(uow: UnitOfWork, *, companies: int = 20) -> None:
    """Decrypt one stored value of every encrypted column (from the first ``companies``
    companies holding one).

    Raises :class:`core.crypto.DataKeyError` naming PEOPLEOS_DATA_KEY when the keys do not
    fit the data, so a process can say so at start instead of failing on some page later.
    """
    with uow:
        repo = EncryptionRepository(uow.session)
        company_ids = repo.list_company_ids()[:companies]
        for column in encrypted_columns():
            for company_id in company_ids:
                page = repo.list_headers(company_id, column, None, 1)
                if page:
                    repo.list_values(company_id, column, [page[0][0]])
                    break
