"""Take in recordings as they arrive: look at recordings/ every few seconds and run the pipeline on news.

This polls instead of listening for filesystem events: inotify and its kin miss changes on network shares
and USB drives, which is where field staff drop recordings. A look is one ``discovery.scan`` (names, sizes and
mtimes, no reading of the files), so it is cheap enough to repeat every ``interval`` seconds.
``process_archive`` runs only when a file has become stable (or on the first look, or when recordings/
comes back after being unreachable), with the model loaded once for the whole watch.
Nothing in recordings/ is ever moved or deleted.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import LoikeError
from pipeline.i18n import _
from pipeline.intake import discovery
from pipeline.intake.discovery import SourceFile
from pipeline.options import TranscribeOptions
from pipeline.reports import RunReport
from pipeline.run import process
from pipeline.settings import Archive, model_cache

if TYPE_CHECKING:
    from pipeline.speech.transcribe import Transcriber

log = logging.getLogger(__name__)


@dataclass
class WatchOptions:
    interval: float = 30.0
    """Seconds between two looks at recordings/."""
    stable_checks: int = 3
    """Consecutive looks over which a new or changed file must keep its size and mtime before it is taken.
    A file already older than ``stable_checks × interval`` when first seen is taken at once."""
    once: bool = False
    """One pass, then return (for cron): files are settled the way ``loike run`` settles them."""


class Stability:
    """Counts, per file, the consecutive looks over which its size and mtime stayed the same."""

    def __init__(self, checks: int, window: float):
        self.checks = checks
        self.window = window
        self.seen: dict[str, tuple[tuple[int, float], int]] = {}

    def update(self, files: list[SourceFile], now: float) -> tuple[set[str], set[str]]:
        """Record one look; returns (files that have just become stable, files still changing)."""
        seen, became, changing = {}, set(), set()
        for f in files:
            signature = (f.size, f.mtime)
            before = self.seen.get(f.relpath)
            if before and before[0] == signature:
                count = before[1] + 1
            elif before is None and now - f.mtime >= self.window:
                count = self.checks  # already old when first seen: nothing is writing it
            else:
                count = 1
            seen[f.relpath] = (signature, count)
            if count < self.checks:
                changing.add(f.relpath)
            elif count == self.checks:
                became.add(f.relpath)
        self.seen = seen
        return became, changing


class LazyTranscriber:
    """Stands for a Transcriber and loads the model the first time it is used, then keeps it.

    A watch may wait hours before the first recording arrives; it should start at once and not load
    the model for nothing, but never load it twice.
    """

    def __init__(self, options: TranscribeOptions, cache: Path):
        self._args = (options, cache)
        self._loaded: Transcriber | None = None

    def __getattr__(self, name: str):
        if self._loaded is None:
            from pipeline.speech.transcribe import Transcriber  # faster-whisper only when there is work

            self._loaded = Transcriber(*self._args)
        return getattr(self._loaded, name)


def unreachable(folder: Path) -> str | None:
    """Why ``folder`` cannot be read now (a share dropped, a drive unplugged), or None when it can."""
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError as error:
        return error.strerror or type(error).__name__
    return None


class Watcher:
    """One watch over one archive; ``look()`` is one pass."""

    def __init__(
        self,
        archive: Archive,
        options: WatchOptions,
        run: Callable[[set[str]], RunReport],
        notify: Callable[[str], None],
    ):
        self.archive = archive
        self.run = run
        self.notify = notify
        self.stability = Stability(options.stable_checks, options.stable_checks * options.interval)
        self.reachable = True
        self.fresh = True  # the first look (and the first after recordings/ comes back) always runs a pass

    def look(self) -> RunReport | None:
        """Rescan recordings/ and run a pass if something became ready; None when no pass was run."""
        files = self._scan()
        if files is None:
            return None
        became, changing = self.stability.update(files, time.time())
        if changing:
            log.info("Still changing, looked at again next time: %s", ", ".join(sorted(changing)))
        if not (self.fresh or became):
            log.info("Nothing new in %s", self.archive.recordings)
            return None
        self.fresh = False
        try:
            return self.run(changing)
        except (LoikeError, OSError) as error:
            if self._scan() is not None:  # recordings/ is still there: the problem is elsewhere, say it once
                self.notify(_("This pass failed: {error}").format(error=error))
            return None
        except Exception as error:  # a watch runs unattended for days: one pass's surprise must not end it
            log.debug("The pass failed", exc_info=error)
            self.notify(
                _(
                    "This pass failed ({kind}: {error}): the watch goes on and tries again when a recording "
                    "arrives; `loike run` shows where it fails."
                ).format(kind=type(error).__name__, error=error)
            )
            return None

    def _scan(self) -> list[SourceFile] | None:
        why = unreachable(self.archive.recordings)
        if why is None:
            try:
                files = discovery.scan(self.archive)
            except OSError as error:  # the share went away between listing and stat
                why = error.strerror or type(error).__name__
        if why is not None:
            if self.reachable:
                self.notify(
                    _("recordings/ is not reachable ({why}: {recordings}): waiting for it to come back.").format(
                        why=why, recordings=self.archive.recordings
                    )
                )
            self.reachable = False
            return None
        if not self.reachable:
            self.notify(_("recordings/ is back: watching again."))
            self.reachable, self.fresh = True, True
        return files


def watch(
    archive: Archive,
    options: WatchOptions = WatchOptions(),
    transcribe_options: TranscribeOptions = TranscribeOptions(),
    cache: Path | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_report: Callable[[RunReport], None] = lambda report: None,
    notify: Callable[[str], None] = log.warning,
    transcriber=None,
) -> RunReport | None:
    """Watch ``archive`` until ``should_stop()`` answers True (or for one pass with ``options.once``).

    ``on_report`` gets the report of every pass that ran ``process_archive``; ``notify`` gets the lines a
    user should see (recordings/ gone or back). Returns the last pass's report.
    """
    transcriber = transcriber or LazyTranscriber(transcribe_options, cache or model_cache())

    def run(hold: set[str], settle_seconds: float = 0.0) -> RunReport:
        report = process.process_archive(
            archive,
            transcribe_options,
            cache,
            settle_seconds=settle_seconds,
            transcriber=transcriber,
            should_stop=should_stop,
            hold=hold,
        )
        on_report(report)
        return report

    if options.once:
        return run(set(), discovery.SETTLE_SECONDS)
    watcher = Watcher(archive, options, run, notify)
    last = None
    while not should_stop():
        last = watcher.look() or last
        pause(options.interval, should_stop)
    return last


def pause(seconds: float, should_stop: Callable[[], bool], step: float = 0.1) -> None:
    """Sleep ``seconds``, waking early when ``should_stop()`` turns True."""
    end = time.monotonic() + seconds
    while not should_stop() and (left := end - time.monotonic()) > 0:
        time.sleep(min(step, left))


class StopFlag:
    """Raised by the first SIGINT or SIGTERM; a second one aborts at once (KeyboardInterrupt)."""

    def __init__(self):
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    @contextmanager
    def installed(self) -> Iterator[StopFlag]:
        """Route SIGINT and SIGTERM to this flag while the block runs (main thread only)."""
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
