"""A fault-injection point for the crash tests: nothing happens unless LOIKE_KILL_AT names the checkpoint.

``checkpoint("storing")`` kills this process with SIGKILL (no cleanup, no ``finally``, like a power cut) when
the environment variable ``LOIKE_KILL_AT`` is ``storing``. For tests only; in a normal run it costs one dict
lookup. See tests/test_crash.py.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "LOIKE_KILL_AT"


def checkpoint(name: str) -> None:
    """Die here, at once and without cleanup, if the tests asked for it."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
