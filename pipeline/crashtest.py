"""A fault-injection point for the crash tests: nothing happens unless LOIKE_KILL_AT names the checkpoint.

``checkpoint("storing")`` kills this process with SIGKILL (no cleanup, no ``finally``, like a power cut) when
the environment variable ``LOIKE_KILL_AT`` is ``storing``. With ``LOIKE_KILL_ONCE`` naming a file, only the
first process to get there dies (it creates the file): a transcriber on a Ray cluster that is killed once and
restarted then carries on. For tests only; in a normal run it costs one dict lookup. See tests/test_crash.py
and tests/test_cluster.py.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "LOIKE_KILL_AT"
KILL_ONCE_ENV = "LOIKE_KILL_ONCE"


def checkpoint(name: str) -> None:
    """Die here, at once and without cleanup, if the tests asked for it."""
    if os.environ.get(KILL_AT_ENV) == name and _first(os.environ.get(KILL_ONCE_ENV)):
        os.kill(os.getpid(), signal.SIGKILL)


def _first(marker: str | None) -> bool:
    if not marker:
        return True
    try:
        with open(marker, "x"):
            return True
    except FileExistsError:
        return False


def settings() -> dict[str, str]:
    """The fault settings of this process, to hand to processes it starts elsewhere (Ray actors)."""
    return {key: os.environ[key] for key in (KILL_AT_ENV, KILL_ONCE_ENV) if key in os.environ}
