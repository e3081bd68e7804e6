"""Editors' accounts and the quotes they deleted: who did what at the desk.

Accounts hold a salted hash of each password (``desk.accounts`` makes and checks it); ``quote_deletions`` refuses
UPDATE and DELETE (triggers of migration m013), so a deleted quote stays in the history.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from pipeline.database.account_records import EditorAccount, QuoteDeletion
from pipeline.database.connection import now
from pipeline.database.review_records import Quote
from pipeline.database.sqlite import Database

ACCOUNT_COLUMNS = "name, scheme, salt, hash, created_at"


def add_editor(db: Database, account: EditorAccount) -> None:
    with db.atomic():
        db.execute(f"INSERT INTO editors ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?)", list(asdict(account).values()))


def editor_account(db: Database, name: str) -> EditorAccount | None:
    row = db.execute(f"SELECT {ACCOUNT_COLUMNS} FROM editors WHERE name = ?", [name]).fetchone()
    return EditorAccount(*row) if row else None


def editor_accounts(db: Database) -> list[EditorAccount]:
    return [EditorAccount(*row) for row in db.execute(f"SELECT {ACCOUNT_COLUMNS} FROM editors ORDER BY name")]


def has_editors(db: Database) -> bool:
    return db.execute("SELECT 1 FROM editors LIMIT 1").fetchone() is not None


def remove_editor(db: Database, name: str) -> bool:
    """Remove an account (what it did stays, under its name); False when there is none of that name."""
    with db.atomic():
        return db.execute("DELETE FROM editors WHERE name = ?", [name]).rowcount > 0


def keep_deleted_quote(db: Database, quote: Quote, editor: str) -> None:
    """Keep ``quote`` as it is, deleted by ``editor`` now; part of the deleting transaction."""
    db.execute(
        "INSERT INTO quote_deletions (quote_id, interview_id, editor, at, quote) VALUES (?, ?, ?, ?, ?)",
        [quote.id, quote.interview_id, editor, now(), json.dumps(asdict(quote), ensure_ascii=False)],
    )


def quote_deletions(db: Database, interview_id: int) -> list[QuoteDeletion]:
    """The quotes deleted from an interview, oldest first."""
    return [
        QuoteDeletion(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))
        for row in db.execute(
            "SELECT id, quote_id, interview_id, editor, at, quote FROM quote_deletions WHERE interview_id = ? "
            "ORDER BY id",
            [interview_id],
        )
    ]
