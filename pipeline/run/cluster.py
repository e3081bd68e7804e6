"""Transcribe an archive's pending recordings on a Ray cluster (``loike run --cluster ADDRESS``).

The run is the local one with one difference: ``Transcriber.transcribe`` runs in Ray actors, on whatever nodes
have room, instead of in this process. This process, the coordinator, still normalises each recording
(``steps.begin``), hands its decoded samples to Ray's object store (one ``ray.put`` per piece, cut exactly as
a local run cuts them) or, with shared storage, the path of the decoded copy, and stores each result through
``steps.finish``: speaker labels, flags and one transaction per recording, this process being the only
writer of the SQLite database. Ray is imported here only, and only when a cluster is asked for.

How a transcriber that dies is handled, and why the pool is ours rather than ``ray.util.ActorPool``:

* Each transcriber is an actor with ``max_restarts``: when its process dies (killed, out of memory, its node
  lost) Ray starts it again wherever there is room, and the new one loads the model in its constructor.
* Its tasks are not retried by Ray (``max_task_retries=0``). The recording goes back to the front of the queue
  here and is handed to the next transcriber that is free, usually another one. The coordinator decides
  because only it knows what is stored: a recording is held by one task at a time and stored once, from that
  task, so a retry can never duplicate a transcript, and an abandoned task's result is dropped unread. A
  recording whose transcriber dies ``attempts`` times fails for this run: it may be what kills them (a file
  that runs a node out of memory would otherwise take every transcriber down in turn).
* A transcriber whose task died rejoins the pool only when it answers again, model reloaded; one that Ray
  cannot restart is dropped, and when none is left the run stops with one sentence.
* ``ActorPool`` hands results back in the order work was submitted (one long recording would hold up storing
  the rest) and keeps a dead actor in its pool; here results are taken as they come (``ray.wait``).

Ctrl-C (``should_stop``): nothing more is handed out, the transcribers are killed (a GPU is freed at once), no
unfinished result is stored, the decoded copies are deleted, and the next run takes the rest.
"""

from __future__ import annotations

import gc
import itertools
import logging
import socket
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Recording
from pipeline.errors import ClusterError
from pipeline.i18n import _
from pipeline.options import ClusterOptions, TranscribeOptions
from pipeline.reports import RunReport
from pipeline.run import scheduling, steps, transcribers
from pipeline.run.transcribers import Outcome, Pool, Task
from pipeline.settings import Archive

log = logging.getLogger(__name__)

AHEAD = 2
"""Recordings normalised and in the object store before a transcriber is free for them, so that one that
finishes gets its next recording at once."""
WAIT = 0.2
"""Seconds the coordinator waits for a result before it looks at the recordings being normalised again."""


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError(
            _(
                "Ray is not installed here: install the cluster extra (pip install .[cluster], in .venv: "
                ".venv/bin/pip install -e .[cluster]), or run without --cluster."
            )
        ) from None
    return ray


@contextmanager
def connect(options: ClusterOptions) -> Iterator[Cluster]:
    """Connect to the cluster at ``options.address`` for the block (or use the connection this process has)."""
    ray = _ray()
    owned = not ray.is_initialized()
    if owned:
        try:
            _answers(options.address)  # Ray itself would try a dead address for minutes
            with warnings.catch_warnings():  # Ray Client warns, then raises: the one sentence below says it all
                warnings.simplefilter("ignore")
                ray.init(address=options.address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as error:  # ConnectionError, a version mismatch, ray[client] missing: all mean "not here"
            raise ClusterError(_cannot_connect(options.address, error)) from None
    try:
        yield Cluster(options)
    finally:
        if owned:
            gc.collect()  # Ray objects caught in reference cycles are released while the connection is up
            ray.shutdown()


def _cannot_connect(address: str, error: Exception) -> str:
    """The sentence for a failed ``ray.init``. A head that answers but cannot start the server Ray Client starts
    for each connection is, in all we saw, grpcio's fork handlers crashing it (docs/benchmarks.md)."""
    why = transcribers.first_line(error)
    if "Starting Ray client server failed" in why or "Proxy failed to Connect to backend" in why:
        return _(
            "The Ray cluster at {address} answered but could not start its Ray Client server for this connection "
            "({why}): start Ray on the head with GRPC_ENABLE_FORK_SUPPORT=0 set, as the README shows, or try again."
        ).format(address=address, why=why)
    return _(
        "Cannot connect to a Ray cluster at {address} ({why}): start one with `ray start --head` and pass its "
        "address (--cluster ray://HEAD:10001; a cluster that uses token authentication also needs "
        "RAY_AUTH_MODE=token here), or run without --cluster."
    ).format(address=address, why=why)


def _answers(address: str) -> None:
    """Raise OSError when nothing listens at ``address`` (ray://HOST:PORT or HOST:PORT; ``auto`` is Ray's)."""
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if colon and port.isdigit():
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10):
            pass


class Cluster:
    """A connected Ray cluster; ``transcribe_pending`` is ``process.transcribe_pending`` run on it."""

    def __init__(self, options: ClusterOptions):
        self.options = options

    def transcribe_pending(
        self,
        db: Database,
        archive: Archive,
        options: TranscribeOptions,
        cache: Path,
        progress: steps.Progress | None,
        report: RunReport,
        transcriber=None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        """Transcribe what is pending on the cluster. ``cache`` and ``transcriber`` are not used: each
        transcriber keeps the model in its own node's cache ($LOIKE_CACHE there, else the user's cache)."""
        pending = database.recordings_to_process(db)
        if not pending:
            return
        pool = Pool(self.options, options)
        try:
            Coordinator(db, archive, pool, report, Tally(progress, pending), self.options).run(
                pending, should_stop or (lambda: False)
            )
        finally:
            pool.close()


class Coordinator:
    """The run's loop: normalise ahead, hand out, store what comes back, until everything is done or it stops."""

    def __init__(
        self, db: Database, archive: Archive, pool: Pool, report: RunReport, tally: Tally, where: ClusterOptions
    ):
        self.db, self.archive, self.pool, self.report, self.tally = db, archive, pool, report, tally
        self.attempts = max(1, where.attempts)
        self.ready: deque[Task] = deque()

    def run(self, pending: list[Recording], should_stop: Callable[[], bool]) -> None:
        waiting = deque(pending)
        with scheduling.Prefetch(self.archive) as prefetch:
            try:
                while waiting or self.ready or self.pool.running:
                    if should_stop():
                        log.info(
                            "Stopping: %d recording(s) wait for the next run",
                            len(waiting) + len(self.ready) + len(self.pool.running),
                        )
                        return
                    prepared = self.prepare(waiting, prefetch)
                    outcomes = self.pool.collect(0 if prepared else WAIT)
                    self.pool.hand_out(self.ready)  # free transcribers get their next recording before storing
                    for outcome in outcomes:
                        self.settle(outcome)
            finally:
                for task in [*self.ready, *(task for task, _ in self.pool.running.values())]:
                    task.job.decoded.unlink(missing_ok=True)  # large; made again when the recording's turn comes

    def prepare(self, waiting: deque[Recording], prefetch: scheduling.Prefetch) -> bool:
        """Normalise the next recording and hand its audio to Ray, unless enough wait or it is not decoded yet."""
        if not waiting or len(self.ready) >= AHEAD:
            return False
        recording = waiting[0]
        for upcoming in itertools.islice(waiting, 2):
            prefetch.start(upcoming)  # in a background thread; a no-op when already started or not needed
        if not prefetch.done(recording):
            return False
        waiting.popleft()
        job = self._guarded(
            recording, lambda: steps.begin(self.db, self.archive, recording, self.pool, self.report, prefetch)
        )
        task = job and self._guarded(recording, lambda: self._task(job))
        if task is None:
            self.tally.finished(recording)
        else:
            self.ready.append(task)
        return True

    def _task(self, job: scheduling.Job) -> Task:
        try:
            return Task(job, self.pool.source(job))
        except BaseException:
            job.decoded.unlink(missing_ok=True)
            raise

    def settle(self, outcome: Outcome) -> None:
        """Store a result as a local run does, or hand the recording out again when its transcriber died."""
        task, recording = outcome.task, outcome.task.job.recording
        relpath = recording.relpath
        if outcome.lost:
            task.attempts += 1
            if task.attempts < self.attempts:
                log.warning(
                    "The transcriber of %s died (%s): it goes to another.", relpath, transcribers.reason(outcome.error)
                )
                self.ready.appendleft(task)
                return
            outcome.error = ClusterError(
                _(
                    "{relpath}: its transcriber died {attempts} times while transcribing it ({transcribers}); "
                    "it waits for the next run (if it happens again, the Ray logs of the nodes say why: out of "
                    "memory?)."
                ).format(relpath=relpath, attempts=task.attempts, transcribers=transcribers.reason(outcome.error))
            )
        future: Future = Future()
        if outcome.error is not None:
            future.set_exception(outcome.error)
        else:
            future.set_result(outcome.segments)
        task.job.future = future
        self._guarded(
            recording, lambda: steps.finish(self.db, self.archive, outcome.worker or self.pool, task.job, self.report)
        )
        self.tally.finished(recording)

    def _guarded(self, recording: Recording, step):
        return steps.guarded(self.db, self.archive, self.report, recording, step)


class Tally:
    """Recordings and seconds of audio done across the cluster, for the progress bar and its ETA."""

    def __init__(self, progress: steps.Progress | None, pending: list[Recording]):
        self.progress = progress
        self.count = len(pending)
        self.total = sum(r.length for r in pending)
        self.done = self.seconds = 0.0

    def finished(self, recording: Recording) -> None:
        self.done += 1
        self.seconds += recording.length
        if self.progress:
            self.progress(min(self.seconds, self.total), self.total, (int(self.done), self.count))
