"""What a stopped ``loike package`` leaves behind, and how the next one knows it for its own.

A package is built in a hidden folder beside DEST (``.DEST.*.partial``) that carries a mark (``OWNER``): the
process that builds it, its machine and DEST. A later package to the same DEST removes such a folder when its mark
proves it debris: this machine, a process no longer running. A folder without a mark is left, and said.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import sys
from pathlib import Path

OWNER = "loike-package.json"
"""In the hidden folder a package is built in: which process builds it, on which machine, for which DEST."""


def owner_mark(dest: Path) -> dict:
    """What the hidden folder of a package being built says about who builds it."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "dest": str(dest)}


def clear_unfinished(dest: Path) -> tuple[list[Path], list[Path]]:
    """Remove the hidden folders a stopped ``loike package`` to ``dest`` left: (removed, left as they are).

    Only a folder whose mark says it was built for ``dest`` on this machine by a process that is no longer
    running is provably debris; one without a mark is left, and said (an older Lời Kể made none)."""
    removed, left = [], []
    for folder in sorted(dest.parent.glob(f".{glob.escape(dest.name)}.*.partial")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            mark = json.loads((folder / OWNER).read_text(encoding="utf-8"))
            pid = int(mark["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            left.append(folder)
            continue
        mine = mark.get("dest") == str(dest) and mark.get("host") == socket.gethostname()
        if mine and not _running(pid):
            shutil.rmtree(folder)
            removed.append(folder)
    return removed, left


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine; when in doubt, it does (its folder is then kept)."""
    if pid <= 0:
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        import ctypes

        kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it runs, as someone else
        code = ctypes.c_ulong()
        kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as someone else
        return True
    return True
