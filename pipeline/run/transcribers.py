"""The transcribers of a Ray cluster: actors that load the model once and transcribe one recording per task, and the
pool that starts them, hands them work and takes their results as they come (``pipeline.run.cluster`` says why the
pool is ours and how a dead transcriber is handled). Ray is imported only when a pool is made.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline import crashtest, settings
from pipeline.errors import ClusterError, LoikeError
from pipeline.i18n import _
from pipeline.intake import slicing
from pipeline.options import ClusterOptions, TranscribeOptions
from pipeline.run import scheduling

log = logging.getLogger(__name__)

MAX_RESTARTS = 3
"""Times Ray starts a dead transcriber again before it is dropped from the pool."""
START_TIMEOUT = 300.0
"""Seconds to wait for a first transcriber to be up (room on the cluster, model loaded) before giving up."""


class RemoteTranscriber:
    """Runs in a Ray actor: the model loaded once (again after a restart), then one recording per call."""

    def __init__(self, options: TranscribeOptions, fault_settings: dict[str, str]):
        from pipeline.speech.transcribe import Transcriber

        os.environ.update(fault_settings)
        self.error: LoikeError | None = None
        try:
            self.transcriber = Transcriber(options, settings.model_cache())
        except LoikeError as error:  # said by describe(), so that the coordinator can tell the user
            self.error = error

    def describe(self) -> dict:
        """The model it loaded and the software it runs, for the transcription run's record."""
        import ray

        if self.error:
            raise self.error
        versions = {
            **self.transcriber.versions(),
            "ray": ray.__version__,
            "ray_node": ray.get_runtime_context().get_node_id(),
        }
        return {"model_path": self.transcriber.model_path, "versions": versions, "pid": os.getpid()}

    def transcribe(self, source: str | list, hotwords: str | None) -> list:
        """``source``: the decoded copy's path (shared storage) or the pieces as (offset, object ref)."""
        if isinstance(source, str):
            pieces = slicing.read_chunks(Path(source), self.transcriber.options.chunk_seconds)
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
    """What one transcriber said about itself; ``steps.finish`` records it with each transcript."""

    options: TranscribeOptions
    model_path: str
    software: dict
    pid: int

    def versions(self) -> dict:
        return self.software


@dataclass
class Member:
    handle: Any  # a Ray actor handle: Ray makes its methods (describe.remote …) at run time, untyped
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
        count, cpus, gpus = pool_shape(ray.cluster_resources(), where)
        self.options = replace(
            options, workers=max(1, int(cpus)), device="cuda" if gpus and options.device == "cpu" else options.device
        )
        actor = ray.remote(RemoteTranscriber).options(
            num_cpus=cpus, num_gpus=gpus, max_restarts=MAX_RESTARTS, max_task_retries=0
        )
        self.starting: dict = {}
        for _number in range(count):
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
        return [
            (offset, self.ray.put(samples))
            for offset, samples in slicing.read_chunks(job.decoded, self.options.chunk_seconds)
        ]

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
                raise ClusterError(
                    _("No transcriber could work on the cluster: {last_error}").format(last_error=self.last_error)
                )
            raise ClusterError(
                _(
                    "No transcriber is left on the cluster ({reason}): check that every node has Lời Kể "
                    "installed with the same Python and Ray (the Ray logs of the nodes say more); the "
                    "recordings not transcribed wait for the next run."
                ).format(reason=reason(self.last_error))
            )
        if not self.members_up() and time.monotonic() - self.since > START_TIMEOUT:
            raise ClusterError(
                _(
                    "No transcriber could start on the cluster in {seconds:.0f} s (it has {resources} "
                    "free): ask for fewer or smaller ones (--workers, --cpus-per-worker, --gpus-per-worker) or "
                    "add nodes; nothing was lost."
                ).format(seconds=START_TIMEOUT, resources=_resources(self.ray.available_resources()))
            )
        return outcomes

    def members_up(self) -> bool:
        return any(member.worker for member in [*self.free, *(m for _, m in self.running.values())])

    def _started(self, ref, member: Member) -> None:
        try:
            found = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as error:  # the model did not load there (wrong --model …)
            self.last_error = cause(error)
            log.warning("A transcriber could not start: %s", self.last_error)
            self.ray.kill(member.handle)  # it holds a CPU or a GPU
            return
        except self.ray.exceptions.RayActorError as error:  # Ray could not (re)start it
            self.last_error = error
            log.warning("A transcriber is gone from the cluster: %s", first_line(error))
            return
        member.worker = Worker(self.options, found["model_path"], found["versions"], found["pid"])
        self.free.append(member)
        log.info("a transcriber is up on node %s, pid %d", found["versions"]["ray_node"][:12], found["pid"])

    def _finished(self, ref, task: Task, member: Member) -> Outcome:
        try:
            segments = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as error:  # transcribe() raised: a failure of this recording
            self.free.append(member)
            return Outcome(task, error=cause(error))
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
            with contextlib.suppress(Exception):  # already gone
                self.ray.kill(member.handle)
        self.starting.clear()
        self.free.clear()
        self.running.clear()


def pool_shape(total: dict, where: ClusterOptions) -> tuple[int, float, float]:
    """(transcribers, CPUs and GPUs each) for a cluster with ``total`` resources."""
    cpus = where.cpus_per_worker
    gpus = where.gpus_per_worker if where.gpus_per_worker is not None else (1.0 if total.get("GPU", 0) >= 1 else 0.0)
    room = math.floor(total.get("CPU", 0) / cpus + 1e-9)
    if gpus:
        room = min(room, math.floor(total.get("GPU", 0) / gpus + 1e-9))
    if room < 1:
        raise ClusterError(
            _(
                "The cluster ({resources}) has no room for a transcriber of {cpus:g} CPU and {gpus:g} GPU: "
                "lower --cpus-per-worker or --gpus-per-worker, or add nodes."
            ).format(resources=_resources(total), cpus=cpus, gpus=gpus)
        )
    count = where.workers or room
    if count > room:
        log.warning(
            "%d transcribers asked for; the cluster has room for %d: the others start when room is made.", count, room
        )
    return count, cpus, gpus


def _resources(resources: dict) -> str:
    return f"{resources.get('CPU', 0):g} CPU, {resources.get('GPU', 0):g} GPU"


def cause(error: Exception) -> Exception:
    """The exception a task raised on its node (a ModelError, a DecodeFailed …), not Ray's wrapper."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, LoikeError) else ClusterError(first_line(error))


def reason(error: Exception | None) -> str:
    return first_line(error) if error is not None else "no reason given"


def first_line(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):  # "Initialization failure from server:" and the why below,
        why = lines[-1] if lines[1].startswith("Traceback") else lines[1]  # the last line of the server's traceback
        return f"{lines[0]} {why}"
    return lines[0] if lines else type(error).__name__
