"""`loike run --cluster ray://…` on a two-node Ray cluster on loopback (`ray.cluster_utils.Cluster`), reached
through Ray Client as from a machine outside the cluster: each node has room for one transcriber, and the
recordings are shared out between the two nodes."""

from __future__ import annotations

import json
import socket

import pytest
from test_cluster import dialogues, loike, needs_ray, new_archive, runs, transcripts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def two_nodes(model_cache):
    """A head and a worker node of 1 CPU each; the head runs the Ray Client server. Yields its ray:// address."""
    from ray.cluster_utils import Cluster

    from pipeline.transcribe import embedded_model

    embedded_model(model_cache)
    port = free_port()
    small = {"num_cpus": 1, "object_store_memory": 100 * 2**20}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOIKE_CACHE", str(model_cache))
        env.setenv("HF_HUB_OFFLINE", "1")
        nodes = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False,
                                                              "ray_client_server_port": port})
        try:
            nodes.add_node(**small)
            nodes.wait_for_nodes()
            yield f"ray://127.0.0.1:{port}"
        finally:
            nodes.shutdown()


@needs_ray
def test_recordings_shared_out_on_a_two_node_cluster_through_ray_client(tmp_path, two_nodes, model_cache):
    archive = new_archive(tmp_path / "archive", dialogues(tmp_path / "in", 3))

    done = loike("--root", str(archive.root), "run", "--cluster", two_nodes, env={"LOIKE_CACHE": str(model_cache)})
    out, err = done.communicate(timeout=300)

    assert done.returncode == 0, out + err
    assert "3 recordings: 3 new, 3 transcribed" in out
    assert all(segments and segments[0]["words"] for segments in transcripts(archive).values())
    nodes = {json.loads(run["versions"])["ray_node"] for run in runs(archive)}
    assert len(nodes) == 2, "one transcriber on each node"
