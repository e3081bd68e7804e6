"""Editors' accounts: who may change the archive when the review app is shared beyond this machine.

A password is kept only as a salted scrypt hash (a salt of its own per account, so two editors with one password
have different hashes), checked in constant time. Wrong passwords are slowed down (``Throttle``). The app on
loopback keeps the name an editor types; beyond it, once any account exists, every change is made under the account
signed in (``security.Gate``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline import database
from pipeline.database import Database
from pipeline.database.account_records import EditorAccount
from pipeline.errors import LoikeError
from pipeline.i18n import _

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
"""16 MB and some 50 ms a check on a laptop: slow for someone trying millions of passwords, quick for one."""
SCHEME = f"scrypt:{SCRYPT['n']}:{SCRYPT['r']}:{SCRYPT['p']}"
SHORTEST = 8
LONGEST_NAME = 80


def clean_name(name: str) -> str:
    """An editor's name as it is kept and shown: NFC, single spaces; one sentence when it cannot be a name."""
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned or len(cleaned) > LONGEST_NAME:
        raise LoikeError(
            _("An editor's name has 1 to {longest} characters: {name!r} does not; choose another.").format(
                longest=LONGEST_NAME, name=name
            )
        )
    return cleaned


def add(db: Database, name: str, password: str) -> EditorAccount:
    """A new account, its password kept as a salted hash."""
    name = clean_name(name)
    if len(password) < SHORTEST:
        raise LoikeError(
            _("A password needs at least {shortest} characters: choose a longer one.").format(shortest=SHORTEST)
        )
    if database.editor_account(db, name):
        raise LoikeError(
            _("{name} already has an account: `loike editors remove {name}` first to give it a new password.").format(
                name=name
            )
        )
    salt = secrets.token_bytes(16)
    account = EditorAccount(name, SCHEME, salt, _hashed(password, salt, SCHEME), database.now())
    database.add_editor(db, account)
    return account


def remove(db: Database, name: str) -> None:
    if not database.remove_editor(db, clean_name(name)):
        raise LoikeError(_("There is no account named {name!r}: `loike editors list` lists them.").format(name=name))


def password_ok(account: EditorAccount | None, password: str) -> bool:
    """Whether ``password`` is the account's; an unknown name costs as long, so timing does not tell names apart."""
    if account is None:
        _hashed(password, b"\0" * 16, SCHEME)
        return False
    return hmac.compare_digest(_hashed(password, account.salt, account.scheme), account.hash)


def _hashed(password: str, salt: bytes, scheme: str) -> bytes:
    kind, n, r, p = scheme.split(":")
    if kind != "scrypt":
        raise LoikeError(_("This Lời Kể cannot check passwords kept as {kind}: update Lời Kể.").format(kind=kind))
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.scrypt(secret, salt=salt, n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024, dklen=32)


FIRST_DELAY = 1.0
LONGEST_DELAY = 60.0
FORGET_AFTER = 15 * 60.0


@dataclass
class Throttle:
    """Wrong passwords slow down: after the n-th failure for an account, or from a client, the next attempt for it
    must wait FIRST_DELAY × 2^(n-1) seconds (at most LONGEST_DELAY); a success clears both, and failures are
    forgotten FORGET_AFTER seconds after the wait they set ended."""

    clock: Callable[[], float] = time.monotonic
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # key → (failures, no attempt before)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds before an attempt for any of ``keys`` is taken; 0 when it may be made now."""
        now = self.clock()
        with self.lock:
            return max([0.0] + [self.failures[k][1] - now for k in keys if k in self.failures])

    def failed(self, keys: Iterable[str]) -> float:
        """Count a failure for each key; returns how long the next attempt must wait."""
        now = self.clock()
        with self.lock:
            self.failures = {k: v for k, v in self.failures.items() if v[1] + FORGET_AFTER > now}
            delays = []
            for key in keys:
                count = self.failures.get(key, (0, now))[0] + 1
                delays.append(min(FIRST_DELAY * 2 ** (count - 1), LONGEST_DELAY))
                self.failures[key] = (count, now + delays[-1])
            return max(delays, default=0.0)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)
