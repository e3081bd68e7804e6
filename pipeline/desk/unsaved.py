"""What an editor is told when a change cannot be stored: the disk is full, transcripts/ may only be read, the
database is busy or cannot be written. Nothing is half saved (each change is one transaction); the change stays on
the editor's page, and the sentence says what to do before saving again."""

from __future__ import annotations

import errno
import logging
import sqlite3

log = logging.getLogger(__name__)

KEPT = "thay đổi của bạn chưa được lưu nhưng vẫn còn trên trang"
FULL = (
    507,
    f"Chưa lưu được vì ổ đĩa của máy chạy Lời Kể đã đầy: {KEPT}; "
    "hãy nhờ người quản lý giải phóng chỗ trống rồi lưu lại.",
)
READ_ONLY = (
    503,
    f"Chưa lưu được vì thư mục transcripts/ chỉ cho đọc: {KEPT}; "
    "hãy nhờ người quản lý cho phép ghi vào đó rồi lưu lại.",
)
BUSY = (
    503,
    f"Chưa lưu được vì cơ sở dữ liệu đang bận (một lệnh loike khác đang ghi): {KEPT}; hãy lưu lại sau ít phút.",
)
BROKEN = (503, f"Chưa lưu được vì không ghi được vào ổ đĩa (lỗi đọc ghi): {KEPT}; hãy báo người quản lý rồi lưu lại.")
SQLITE = {
    "database or disk is full": FULL,
    "attempt to write a readonly database": READ_ONLY,
    "database is locked": BUSY,
    "disk I/O error": BROKEN,
}
ERRNOS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY, errno.EACCES: READ_ONLY, errno.EIO: BROKEN}


def unsaved(error: Exception) -> tuple[int, str] | None:
    """The status and the Vietnamese sentence for a change the disk or the database refused, or None when
    ``error`` is something else (a bug, which the app answers with a 500)."""
    if isinstance(error, sqlite3.OperationalError):
        found = SQLITE.get(str(error))
    elif isinstance(error, OSError):
        found = ERRNOS.get(error.errno or 0)
    else:
        found = None
    if found:
        log.warning("A change could not be saved: %s", error)
    return found
