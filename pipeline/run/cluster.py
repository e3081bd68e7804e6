"""Transcribe an archive's pending recordings on a Ray cluster (``loike run --cluster ADDRESS``).

The run is the local one with one difference: ``Transcriber.transcribe`` runs in Ray actors, on whatever nodes
have room, instead of in this process. This process, the coordinator, still normalises each recording
(``process.begin``), hands its decoded samples to Ray's object store (one ``ray.put`` per piece, cut exactly as
a local run cuts them) or, with shared storage, the path of the decoded copy, and stores each result through
``process.finish``: speaker labels, flags and one transaction per recording, this process being the only
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
import math
import os
import socket
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlite_utils import Database

from pipeline.run import scheduling, process
from pipeline.intake import audio
from pipeline import crashtest, settings
from pipeline import database
from pipeline.database.models import Recording
from pipeline.errors import ClusterError, LoikeError
from pipeline.options import ClusterOptions, TranscribeOptions
from pipeline.reports import RunReport
from pipeline.settings import Archive

log = logging.getLogger(__name__)

AHEAD = 2
"""Recordings normalised and in the object store before a transcriber is free for them, so that one that
finishes gets its next recording at once."""
MAX_RESTARTS = 3
"""Times Ray starts a dead transcriber again before it is dropped from the pool."""
START_TIMEOUT = 300.0
"""Seconds to wait for a first transcriber to be up (room on the cluster, model loaded) before giving up."""
WAIT = 0.2
"""Seconds the coordinator waits for a result before it looks at the recordings being normalised again."""


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "Ray is not installed here: install the cluster extra (pip install .[cluster], in .venv: "
            ".venv/bin/pip install -e .[cluster]), or run without --cluster."
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
    why = _first_line(error)
    if "Starting Ray client server failed" in why or "Proxy failed to Connect to backend" in why:
        return (f"The Ray cluster at {address} answered but could not start its Ray Client server for this "
                f"connection ({why}): start Ray on the head with GRPC_ENABLE_FORK_SUPPORT=0 set, as the README "
                "shows, or try again.")
    return (f"Cannot connect to a Ray cluster at {address} ({why}): start one with `ray start --head` and pass its "
            "address (--cluster ray://HEAD:10001; a cluster that uses token authentication also needs "
            "RAY_AUTH_MODE=token here), or run without --cluster.")


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

    def transcribe_pending(self, db: Database, archive: Archive, options: TranscribeOptions, cache: Path,
                           progress: process.Progress | None, report: RunReport, transcriber=None,
                           should_stop: Callable[[], bool] | None = None) -> None:
        """Transcribe what is pending on the cluster. ``cache`` and ``transcriber`` are not used: each
        transcriber keeps the model in its own node's cache ($LOIKE_CACHE there, else the user's cache)."""
        pending = database.recordings_to_process(db)
        if not pending:
            return
        pool = Pool(self.options, options)
        try:
            Coordinator(db, archive, pool, report, Tally(progress, pending), self.options).run(
                pending, should_stop or (lambda: False))
        finally:
            pool.close()


class RemoteTranscriber:
    """Runs in a Ray actor: the model loaded once (again after a restart), then one recording per call."""

    def __init__(self, options: TranscribeOptions, fault_settings: dict[str, str]):
        from pipeline.speech.transcribe import Transcriber

        os.environ.update(fault_settings)
        self.error: LoikeError | None = None
        try:
            self.transcriber = Transcriber(options, settings.model_cache())
        except LoikeError as error:  # said by describe(), so that the coordinator can tell the user
            self.transcriber, self.error = None, error

    def describe(self) -> dict:
        """The model it loaded and the software it runs, for the transcription run's record."""
        import ray

        if self.error:
            raise self.error
        versions = {**self.transcriber.versions(), "ray": ray.__version__,
                    "ray_node": ray.get_runtime_context().get_node_id()}
        return {"model_path": self.transcriber.model_path, "versions": versions, "pid": os.getpid()}

    def transcribe(self, source: str | list, hotwords: str | None) -> list:
        """``source``: the decoded copy's path (shared storage) or the pieces as (offset, object ref)."""
        if isinstance(source, str):
            pieces = audio.read_chunks(Path(source), self.transcriber.options.chunk_seconds)
        else:
            pieces = _fetched(source)
        return self.transcriber.transcribe(_checkpointed(pieces), hotwords=hotwords)


def _fetched(pieces: list) -> Iterator:
    import ray

    for offset, ref in pieces:
        yield offset, ray.get(ref)


def _checkpointed(pieces) -> Iterator:
    for index, piece in enumerate(pieces):
        if index == 0:
            crashtest.checkpoint("transcribing")  # the tests kill a transcriber here, in the middle of a task
        yield piece


@dataclass
class Worker:
    """What one transcriber said about itself; ``process.finish`` records it with each transcript."""

    options: TranscribeOptions
    model_path: str
    software: dict
    pid: int

    def versions(self) -> dict:
        return self.software


@dataclass
class Member:
    handle: object
    worker: Worker | None = None


@dataclass
class Task:
    """One recording handed to the cluster: its job (as in a local run) and its audio for a transcriber."""

    job: scheduling.Job
    source: str | list
    attempts: int = 0


@dataclass
class Outcome:
    task: Task
    segments: list | None = None
    worker: Worker | None = None
    error: Exception | None = None
    lost: bool = False
    """The transcriber died under the task (or its result was lost): the recording can be handed out again."""


class Pool:
    """The transcriber actors: those starting (or restarting), those free, and the task each busy one runs."""

    def __init__(self, where: ClusterOptions, options: TranscribeOptions):
        import ray

        self.ray = ray
        self.shared = where.shared_storage
        count, cpus, gpus = _shape(ray.cluster_resources(), where)
        self.options = replace(options, workers=max(1, int(cpus)),
                               device="cuda" if gpus and options.device == "cpu" else options.device)
        actor = ray.remote(RemoteTranscriber).options(num_cpus=cpus, num_gpus=gpus, max_restarts=MAX_RESTARTS,
                                                      max_task_retries=0)
        self.starting: dict = {}
        for _ in range(count):
            self._welcome(Member(actor.remote(self.options, crashtest.settings())))
        self.free: deque[Member] = deque()
        self.running: dict = {}
        self.since = time.monotonic()
        self.last_error: Exception | None = None
        log.info("starting %d transcriber(s) of %g CPU and %g GPU on the cluster", count, cpus, gpus)

    def _welcome(self, member: Member) -> None:
        """Ask a new or restarting transcriber to describe itself; it joins the free ones when it answers. Retried
        by Ray, so the question waits for a restart instead of failing on an actor that is not up yet."""
        self.starting[member.handle.describe.options(max_task_retries=-1).remote()] = member

    def source(self, job: scheduling.Job) -> str | list:
        """What a transcriber needs to read the job's audio: the path, or the pieces put in the object store."""
        if self.shared:
            return str(job.decoded)
        return [(offset, self.ray.put(samples))
                for offset, samples in audio.read_chunks(job.decoded, self.options.chunk_seconds)]

    def hand_out(self, ready: deque[Task]) -> None:
        while ready and self.free:
            task, member = ready.popleft(), self.free.popleft()
            self.running[member.handle.transcribe.remote(task.source, task.job.hotwords)] = (task, member)

    def collect(self, timeout: float) -> list[Outcome]:
        """Results that came in within ``timeout``; transcribers that came up join the free ones."""
        waiting = [*self.running, *self.starting]
        if not waiting:
            time.sleep(timeout)
            return []
        done, rest = self.ray.wait(waiting, num_returns=1, timeout=timeout)
        if done and rest:
            done += self.ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        outcomes = []
        for ref in done:
            if ref in self.starting:
                self._started(ref, self.starting.pop(ref))
            else:
                outcomes.append(self._finished(ref, *self.running.pop(ref)))
        if not self.free and not self.running and not self.starting:
            if isinstance(self.last_error, LoikeError):  # e.g. the model did not load: its sentence says why
                raise ClusterError(f"No transcriber could work on the cluster: {self.last_error}")
            raise ClusterError(
                f"No transcriber is left on the cluster ({_reason(self.last_error)}): check that every node has Lời "
                "Kể installed with the same Python and Ray (the Ray logs of the nodes say more); the recordings not "
                "transcribed wait for the next run.")
        if not self.members_up() and time.monotonic() - self.since > START_TIMEOUT:
            raise ClusterError(
                f"No transcriber could start on the cluster in {START_TIMEOUT:.0f} s (it has "
                f"{_resources(self.ray.available_resources())} free): ask for fewer or smaller ones (--workers, "
                "--cpus-per-worker, --gpus-per-worker) or add nodes; nothing was lost.")
        return outcomes

    def members_up(self) -> bool:
        return any(member.worker for member in [*self.free, *(m for _, m in self.running.values())])

    def _started(self, ref, member: Member) -> None:
        try:
            found = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as error:  # the model did not load there (wrong --model …)
            self.last_error = _cause(error)
            log.warning("A transcriber could not start: %s", self.last_error)
            self.ray.kill(member.handle)  # it holds a CPU or a GPU
            return
        except self.ray.exceptions.RayActorError as error:  # Ray could not (re)start it
            self.last_error = error
            log.warning("A transcriber is gone from the cluster: %s", _first_line(error))
            return
        member.worker = Worker(self.options, found["model_path"], found["versions"], found["pid"])
        self.free.append(member)
        log.info("a transcriber is up on node %s, pid %d", found["versions"]["ray_node"][:12], found["pid"])

    def _finished(self, ref, task: Task, member: Member) -> Outcome:
        try:
            segments = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as error:  # transcribe() raised: a failure of this recording
            self.free.append(member)
            return Outcome(task, error=_cause(error))
        except self.ray.exceptions.RayActorError as error:  # the process died: it comes back when Ray restarts it
            self._welcome(member)
            return Outcome(task, error=error, lost=True)
        except self.ray.exceptions.RayError as error:  # e.g. the audio was lost with a node: hand it out again
            self.free.append(member)
            return Outcome(task, error=error, lost=True)
        self.free.append(member)
        return Outcome(task, segments=segments, worker=member.worker)

    def close(self) -> None:
        """Kill every transcriber: at the end of a run, or when it stops, so their CPUs and GPUs are free."""
        members = [*self.starting.values(), *self.free, *(member for _, member in self.running.values())]
        for member in members:
            try:
                self.ray.kill(member.handle)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.starting.clear()
        self.free.clear()
        self.running.clear()


class Coordinator:
    """The run's loop: normalise ahead, hand out, store what comes back, until everything is done or it stops."""

    def __init__(self, db: Database, archive: Archive, pool: Pool, report: RunReport, tally: Tally,
                 where: ClusterOptions):
        self.db, self.archive, self.pool, self.report, self.tally = db, archive, pool, report, tally
        self.attempts = max(1, where.attempts)
        self.ready: deque[Task] = deque()

    def run(self, pending: list[Recording], should_stop: Callable[[], bool]) -> None:
        waiting = deque(pending)
        with scheduling.Prefetch(self.archive) as prefetch:
            try:
                while waiting or self.ready or self.pool.running:
                    if should_stop():
                        log.info("Stopping: %d recording(s) wait for the next run",
                                 len(waiting) + len(self.ready) + len(self.pool.running))
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
        job = self._guarded(recording, lambda: process.begin(self.db, self.archive, recording, self.pool,
                                                              self.report, prefetch))
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
                log.warning("The transcriber of %s died (%s): it goes to another.", relpath, _reason(outcome.error))
                self.ready.appendleft(task)
                return
            outcome.error = ClusterError(
                f"{relpath}: its transcriber died {task.attempts} times while transcribing it "
                f"({_reason(outcome.error)}); it waits for the next run (if it happens again, the Ray logs of the "
                "nodes say why: out of memory?).")
        future: Future = Future()
        if outcome.error is not None:
            future.set_exception(outcome.error)
        else:
            future.set_result(outcome.segments)
        task.job.future = future
        self._guarded(recording, lambda: process.finish(self.db, self.archive, outcome.worker or self.pool,
                                                        task.job, self.report))
        self.tally.finished(recording)

    def _guarded(self, recording: Recording, step):
        return process.guarded(self.db, self.archive, self.report, recording, step)


class Tally:
    """Recordings and seconds of audio done across the cluster, for the progress bar and its ETA."""

    def __init__(self, progress: process.Progress | None, pending: list[Recording]):
        self.progress = progress
        self.count = len(pending)
        self.total = sum(r.length for r in pending)
        self.done = self.seconds = 0.0

    def finished(self, recording: Recording) -> None:
        self.done += 1
        self.seconds += recording.length
        if self.progress:
            self.progress(min(self.seconds, self.total), self.total, (int(self.done), self.count))



def _shape(total: dict, where: ClusterOptions) -> tuple[int, float, float]:
    """(transcribers, CPUs and GPUs each) for a cluster with ``total`` resources."""
    cpus = where.cpus_per_worker
    gpus = where.gpus_per_worker if where.gpus_per_worker is not None else (1.0 if total.get("GPU", 0) >= 1 else 0.0)
    room = math.floor(total.get("CPU", 0) / cpus + 1e-9)
    if gpus:
        room = min(room, math.floor(total.get("GPU", 0) / gpus + 1e-9))
    if room < 1:
        raise ClusterError(
            f"The cluster ({_resources(total)}) has no room for a transcriber of {cpus:g} CPU and {gpus:g} GPU: "
            "lower --cpus-per-worker or --gpus-per-worker, or add nodes.")
    count = where.workers or room
    if count > room:
        log.warning("%d transcribers asked for; the cluster has room for %d: the others start when room is made.",
                    count, room)
    return count, cpus, gpus


def _resources(resources: dict) -> str:
    return f"{resources.get('CPU', 0):g} CPU, {resources.get('GPU', 0):g} GPU"


def _cause(error: Exception) -> Exception:
    """The exception a task raised on its node (a ModelError, a DecodeFailed …), not Ray's wrapper."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, LoikeError) else ClusterError(_first_line(error))


def _reason(error: Exception | None) -> str:
    return _first_line(error) if error is not None else "no reason given"


def _first_line(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):  # "Initialization failure from server:" and the why below,
        why = lines[-1] if lines[1].startswith("Traceback") else lines[1]  # the last line of the server's traceback
        return f"{lines[0]} {why}"
    return lines[0] if lines else type(error).__name__
