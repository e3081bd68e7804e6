"""`loike run --cluster` on a real local Ray cluster started here (`ray.init(num_cpus=2)`), with the real embedded
Whisper model: the same transcript as a local run, a transcriber killed in the middle of a recording, Ctrl-C on
the coordinator. The two-node cluster is in test_cluster_nodes.py. Without Ray installed the Ray tests skip; the
tests that `loike run` never imports Ray without --cluster run everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import database
from pipeline.database.models import Segment
from pipeline.intake import audio
from pipeline.options import ClusterOptions
from pipeline.run import cluster, process, transcribers
from pipeline.settings import Archive

pytestmark = [pytest.mark.ray]

FIXTURES = Path(__file__).parent / "fixtures"
needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install .[cluster] installs it)"
)


def dialogues(folder: Path, count: int) -> list[Path]:
    """``count`` recordings of the espeak dialogue (12.7 s), each with a different length of silence after it,
    so each is a recording of its own (its own hash) with the same speech."""
    folder.mkdir(parents=True, exist_ok=True)
    base = audio.normalise(FIXTURES / "vi_dialogue.ogg", folder / "base.wav").path
    with wave.open(str(base), "rb") as reader:
        params, frames = reader.getparams(), reader.readframes(reader.getnframes())
    made = []
    for index in range(count):
        path = folder / f"phong-van-{index + 1}.wav"
        with wave.open(str(path), "wb") as out:
            out.setparams(params)
            out.writeframes(frames + b"\0\0" * 1600 * (index + 1))
        made.append(path)
    base.unlink()
    return made


def new_archive(root: Path, recordings: list[Path]) -> Archive:
    archive = Archive(root)
    archive.recordings.mkdir(parents=True)
    past = time.time() - 60
    for path in recordings:
        target = archive.recordings / path.name
        target.write_bytes(path.read_bytes())
        os.utime(target, (past, past))
    return archive


def transcripts(archive: Archive) -> dict[str, list[Segment]]:
    """Each recording's segments as stored, every column but the row ids, with their words (text, times,
    probability)."""
    db = database.open_database(archive.database)
    try:
        return {
            row.source_path: [replace(s, id=0, run_id=None) for s in database.segments(db, row.id)]
            for row in database.interviews(db)
        }
    finally:
        db.close()


def runs(archive: Archive) -> list[dict]:
    db = database.open_database(archive.database)
    try:
        return list(db["transcription_runs"].rows)
    finally:
        db.close()


def transcribed(archive: Archive) -> int:
    if not archive.database.exists():
        return 0
    con = sqlite3.connect(f"file:{archive.database}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM recordings WHERE status = 'transcribed'").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is being created
        return 0
    finally:
        con.close()


def loike(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.fixture(scope="module")
def ray_address(model_cache):
    """One small local Ray cluster for the module (2 CPUs, no dashboard, a 100 MB object store); its address.

    The model is assembled first, and LOIKE_CACHE set before Ray starts, so that the transcribers (children of
    Ray's processes) find it in the tests' cache and never assemble it into the user's own."""
    import ray

    from pipeline.speech.transcribe import embedded_model

    embedded_model(model_cache)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOIKE_CACHE", str(model_cache))
        env.setenv("HF_HUB_OFFLINE", "1")
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=100 * 2**20,
            log_to_driver=False,
            logging_level="WARNING",
        )
        try:
            yield ray.get_runtime_context().gcs_address
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> list[Path]:
    return dialogues(tmp_path_factory.mktemp("dialogues"), 3)


def test_loike_run_without_cluster_never_imports_ray(tmp_path, model_cache):
    """Over an empty folder, for speed: test_architecture.py keeps Ray in pipeline/cluster.py, which only
    `loike run --cluster` imports."""
    archive = new_archive(tmp_path / "archive", [])
    check = (
        "import sys\nfrom pipeline.cli import main\n"
        f"sys.argv = ['loike', '--root', {str(archive.root)!r}, 'run']\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print('ray imported' if 'ray' in sys.modules else 'no ray')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LOIKE_CACHE": str(model_cache), "HF_HUB_OFFLINE": "1"},
    )

    assert done.returncode == 0, done.stderr
    assert "Nothing new: 0 recordings" in done.stdout and done.stdout.strip().endswith("no ray")


def test_cluster_without_ray_says_how_to_install_it(tmp_path):
    (tmp_path / "recordings").mkdir()
    without_ray = "import sys\nsys.modules['ray'] = None  # as if not installed\nfrom pipeline.cli import main\nmain()"
    done = subprocess.run(
        [sys.executable, "-c", without_ray, "--root", str(tmp_path), "run", "--cluster", "auto"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: Ray is not installed here: install the cluster extra (pip install .[cluster], in .venv: "
        ".venv/bin/pip install -e .[cluster]), or run without --cluster."
    )


def test_cluster_options_need_cluster(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    sized = CliRunner().invoke(cli, ["--root", str(tmp_path), "run", "--gpus-per-worker", "1"])
    many = CliRunner().invoke(cli, ["--root", str(tmp_path), "run", "--workers", "17"])

    assert sized.exit_code == 2
    assert "--gpus-per-worker, --cpus-per-worker and --shared-storage go with --cluster" in sized.output
    assert many.exit_code == 2 and "at most 16 on one machine (more go with --cluster)" in many.output


def test_the_pool_takes_the_gpus_where_there_are_some_and_fits_the_cluster():
    from pipeline.errors import ClusterError

    shape = transcribers.pool_shape
    assert shape({"CPU": 2.0}, ClusterOptions("auto")) == (2, 1.0, 0.0)
    assert shape({"CPU": 32.0, "GPU": 4.0}, ClusterOptions("auto")) == (4, 1.0, 1.0)
    assert shape({"CPU": 32.0, "GPU": 4.0}, ClusterOptions("auto", gpus_per_worker=0.5)) == (8, 1.0, 0.5)
    assert shape({"CPU": 32.0, "GPU": 4.0}, ClusterOptions("auto", gpus_per_worker=0)) == (32, 1.0, 0.0)
    assert shape({"CPU": 8.0}, ClusterOptions("auto", workers=3, cpus_per_worker=2)) == (3, 2, 0.0)
    with pytest.raises(
        ClusterError,
        match=r"The cluster \(2 CPU, 0 GPU\) has no room for a transcriber of 1 CPU "
        r"and 1 GPU: lower --cpus-per-worker or --gpus-per-worker, or add nodes.",
    ):
        shape({"CPU": 2.0}, ClusterOptions("auto", gpus_per_worker=1))


@needs_ray
def test_a_cluster_that_is_not_there_is_one_sentence(tmp_path):
    (tmp_path / "recordings").mkdir()
    done = loike("--root", str(tmp_path), "run", "--cluster", "127.0.0.1:9", env={"RAY_ADDRESS": ""})
    out, err = done.communicate(timeout=60)

    assert done.returncode == 1, out + err
    assert err.startswith("Error: Cannot connect to a Ray cluster at 127.0.0.1:9 (Connection refused): ")
    assert err.count("\n") == 1
    assert "ray start --head" in err and "run without --cluster" in err


def test_a_head_that_cannot_start_ray_clients_server_is_one_sentence_that_says_how_to_start_it():
    """What Ray Client raises when the head's Ray Client server loses the process it starts for this client (as
    grpcio's fork handlers made it do now and then, see test_cluster_nodes.py): the server's traceback, whose
    last line says what failed and which log to read."""
    server_said = ConnectionAbortedError(
        'Initialization failure from server:\nTraceback (most recent call last):\n  File "proxier.py", line 764, '
        "in Datapath\n    raise RuntimeError(\nRuntimeError: Starting Ray client server failed. See "
        "ray_client_server_23000.err for detailed logs.\n"
    )

    assert cluster._cannot_connect("ray://head:10001", server_said) == (
        "The Ray cluster at ray://head:10001 answered but could not start its Ray Client server for this connection "
        "(Initialization failure from server: RuntimeError: Starting Ray client server failed. See "
        "ray_client_server_23000.err for detailed logs.): start Ray on the head with GRPC_ENABLE_FORK_SUPPORT=0 "
        "set, as the README shows, or try again."
    )


@needs_ray
def test_a_recording_transcribed_on_the_cluster_is_the_same_as_transcribed_here(
    tmp_path, ray_address, recordings, transcriber
):
    here = new_archive(tmp_path / "here", recordings[:2])
    there = new_archive(tmp_path / "there", recordings[:2])
    shared = new_archive(tmp_path / "shared", recordings[:1])  # the audio read from the archive's own folder
    local = process.process_archive(here, transcriber=transcriber, settle_seconds=0)

    progress = []
    with cluster.connect(ClusterOptions("auto", workers=2)) as on:
        remote = process.process_archive(
            there, settle_seconds=0, cluster=on, progress=lambda *args: progress.append(args)
        )
    with cluster.connect(ClusterOptions("auto", workers=1, shared_storage=True)) as on:
        assert process.process_archive(shared, settle_seconds=0, cluster=on).transcribed == 1

    assert local.ok and remote.ok and local.transcribed == remote.transcribed == 2
    assert remote.audio_seconds == pytest.approx(local.audio_seconds)
    assert progress[-1][2] == (2, 2) and progress[-1][0] == progress[-1][1], "recordings and audio done / total"
    mine, theirs = transcripts(here), transcripts(there)
    assert all(segments and segments[0].words for segments in mine.values())
    assert theirs == mine, "the same segments, times and words"
    assert transcripts(shared)["phong-van-1.wav"] == mine["phong-van-1.wav"], "with --shared-storage too"
    assert [r["settings"] for r in runs(there)] == [r["settings"] for r in runs(here)]
    assert all('"ray": "' in r["versions"] and '"faster_whisper"' in r["versions"] for r in runs(there))


@needs_ray
def test_a_transcriber_killed_in_the_middle_of_a_recording_costs_only_that_task(
    tmp_path, ray_address, recordings, monkeypatch, caplog
):
    from test_crash import assert_consistent

    archive = new_archive(tmp_path / "archive", recordings[:2])
    killed = tmp_path / "killed"
    monkeypatch.setenv("LOIKE_KILL_AT", "transcribing")  # the first transcriber to start a recording dies (SIGKILL)
    monkeypatch.setenv("LOIKE_KILL_ONCE", str(killed))

    with cluster.connect(ClusterOptions("auto", workers=2)) as on:
        report = process.process_archive(archive, settle_seconds=0, cluster=on)

    assert killed.exists(), "a transcriber was killed in the middle of a recording"
    [retried] = [r.getMessage() for r in caplog.records if "died" in r.getMessage()]
    assert retried.startswith("The transcriber of phong-van-") and retried.endswith("it goes to another.")
    assert report.ok and report.transcribed == 2
    assert_consistent(archive)
    assert len(runs(archive)) == 2, "each recording transcribed and stored exactly once"
    assert all(segments for segments in transcripts(archive).values())
    assert not [p for p in archive.audio_dir.iterdir() if p.name.startswith(".")], "no decoded copy left"


@needs_ray
def test_a_model_the_transcribers_cannot_load_is_one_sentence_and_nothing_is_lost(tmp_path, ray_address, recordings):
    from pipeline.errors import ClusterError
    from pipeline.options import TranscribeOptions
    from pipeline.speech.model_catalogue import CATALOGUE

    archive = new_archive(tmp_path / "archive", recordings[:1])
    with cluster.connect(ClusterOptions("auto", workers=1)) as on, pytest.raises(ClusterError) as failed:
        process.process_archive(archive, TranscribeOptions(model="no-such-model"), settle_seconds=0, cluster=on)

    assert str(failed.value) == (
        "No transcriber could work on the cluster: Unknown model 'no-such-model': `loike models` lists the models on "
        "this machine; use one of them, 'base' (embedded), a CTranslate2 model folder, or a model to download: "
        + ", ".join(CATALOGUE)
        + "."
    )
    assert transcribed(archive) == 0 and not runs(archive)
    assert not [p for p in archive.audio_dir.iterdir() if p.name.startswith(".")], "no decoded copy left"


@needs_ray
def test_ctrl_c_on_the_coordinator_keeps_what_is_stored_and_the_next_run_finishes(
    tmp_path, ray_address, recordings, model_cache
):
    from test_crash import assert_consistent

    archive = new_archive(tmp_path / "archive", recordings[:3])
    env = {"RAY_ADDRESS": ray_address, "LOIKE_CACHE": str(model_cache)}  # --cluster auto: the cluster of this job
    first = loike("--root", str(archive.root), "run", "--cluster", "auto", "--workers", "1", env=env)
    deadline = time.monotonic() + 180
    while transcribed(archive) < 1 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=60)

    done = transcribed(archive)
    assert first.returncode == 1, out + err
    assert 1 <= done < 3, out + err
    assert f"3 recordings: 3 new, {done} transcribed" in out
    assert out.rstrip().endswith("Stopped: the recordings not transcribed yet wait for the next `loike run`.")
    assert_consistent(archive)
    assert not [p for p in archive.audio_dir.iterdir() if p.name.startswith(".")], "no decoded copy left"

    second = loike("--root", str(archive.root), "run", "--cluster", ray_address, env=env)  # at the head's address
    out, err = second.communicate(timeout=300)

    assert second.returncode == 0, out + err
    assert f"3 recordings: 0 new, {3 - done} transcribed" in out
    assert transcribed(archive) == 3 and len(runs(archive)) == 3
    assert_consistent(archive)
