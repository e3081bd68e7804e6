"""`loike run --cluster ray://…` on a two-node Ray cluster on loopback (`ray.cluster_utils.Cluster`), reached
through Ray Client as from a machine outside the cluster. The head has no CPU for work, as on a real cluster,
so every transcriber runs on the other node and every piece of audio crosses from one node's object store to
the other's. (The head's address without ray://, HOST:PORT, is tested in test_cluster.py.)

The head is started as the README says, with GRPC_ENABLE_FORK_SUPPORT=0. Without it this test failed now and
then, in any venv (6 runs in 34 here): Ray Client's server starts a process for each client with fork() then
exec(), and grpcio's fork handlers (on by default) sometimes crash the child before the exec (SIGSEGV or SIGABRT
in an `event_engine` thread), so the client was told "Starting Ray client server failed". Details in
docs/benchmarks.md, "Ray Client and grpcio's fork handlers"."""

from __future__ import annotations

import json
import random
import socket

import pytest
from test_cluster import dialogues, loike, needs_ray, new_archive, runs, transcripts

pytestmark = [pytest.mark.ray]


def client_port() -> int:
    """A free port below the ephemeral range (32768 and up on Linux, 49152 and up elsewhere): Ray picks its own
    ports at random from there, and once took the one a bind(0) had found before Ray Client could bind it."""
    for port in random.sample(range(20000, 32000), 100):
        with socket.socket() as probe:
            try:
                probe.bind(("", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


@pytest.fixture(scope="module")
def two_nodes(model_cache):
    """A head (no CPU for work, the Ray Client server) and a worker node of 2 CPUs: (ray:// address, worker's id)."""
    from ray.cluster_utils import Cluster

    from pipeline.speech.transcribe import embedded_model

    embedded_model(model_cache)
    port = client_port()
    store = {"object_store_memory": 100 * 2**20}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOIKE_CACHE", str(model_cache))
        env.setenv("HF_HUB_OFFLINE", "1")
        with pytest.MonkeyPatch.context() as head_only:  # the head's processes only, not the worker's or loike's
            head_only.setenv("GRPC_ENABLE_FORK_SUPPORT", "0")
            nodes = Cluster(
                initialize_head=True,
                head_node_args={**store, "num_cpus": 0, "include_dashboard": False, "ray_client_server_port": port},
            )
        try:
            worker = nodes.add_node(**store, num_cpus=2)
            nodes.wait_for_nodes()
            yield f"ray://127.0.0.1:{port}", worker.node_id
        finally:
            nodes.shutdown()


@needs_ray
def test_recordings_transcribed_on_the_other_node_of_a_two_node_cluster_through_ray_client(
    tmp_path, two_nodes, model_cache
):
    address, worker_node = two_nodes
    archive = new_archive(tmp_path / "archive", dialogues(tmp_path / "in", 3))

    done = loike("--root", str(archive.root), "run", "--cluster", address, env={"LOIKE_CACHE": str(model_cache)})
    out, err = done.communicate(timeout=300)

    assert done.returncode == 0, out + err
    assert "3 recordings: 3 new, 3 transcribed" in out
    assert all(segments and segments[0].words for segments in transcripts(archive).values())
    assert {json.loads(run["versions"])["ray_node"] for run in runs(archive)} == {worker_node}
