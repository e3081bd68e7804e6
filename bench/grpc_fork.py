"""Why a Ray head must run with GRPC_ENABLE_FORK_SUPPORT=0 for Ray Client (`loike run --cluster ray://…`).

Ray Client's server on the head starts one process per client with ``subprocess.Popen(..., preexec_fn=...)``:
a fork() then an exec(), while its own threads serve gRPC. This does the same with grpcio alone, no Ray: a
process serving and calling gRPC in --threads threads starts `/bin/true` --children times with a
``preexec_fn``, and counts the children that die before the exec (killed by a signal). For --runs rounds, one
subprocess for each side in turn (the variable must be set before gRPC starts):

  default    grpcio's fork handlers as installed (on)
  off        GRPC_ENABLE_FORK_SUPPORT=0

    /tmp/venv/bin/python bench/grpc_fork.py --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures


def spawn_children(children: int, threads: int) -> dict:
    """In this process: serve and call gRPC in threads, start the children; {signal name: children killed}."""
    import grpc

    def echo(requests, context):
        yield from requests

    server = grpc.server(futures.ThreadPoolExecutor(2 * threads))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": grpc.stream_stream_rpc_method_handler(echo)}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()

    def traffic():
        call = grpc.insecure_channel(f"127.0.0.1:{port}").stream_stream("/bench.Echo/Echo")
        while True:
            for _ in call(iter([b"x" * 100] * 50)):
                pass

    for _ in range(threads):
        threading.Thread(target=traffic, daemon=True).start()
    time.sleep(1)
    killed: dict[str, int] = {}
    for _ in range(children):
        code = subprocess.Popen(["/bin/true"], preexec_fn=lambda: None).wait()
        if code:
            name = signal.Signals(-code).name if code < 0 else f"exit {code}"
            killed[name] = killed.get(name, 0) + 1
    return {"grpcio": grpc.__version__, "killed": killed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--side", help=argparse.SUPPRESS)  # a side's own subprocess
    args = parser.parse_args()
    if args.side:
        print(json.dumps(spawn_children(args.children, args.threads)), flush=True)
        os._exit(0)  # the traffic threads never end

    for run in range(1, args.runs + 1):
        for side, extra in (("default", {}), ("off", {"GRPC_ENABLE_FORK_SUPPORT": "0"})):
            env = {key: value for key, value in os.environ.items() if key != "GRPC_ENABLE_FORK_SUPPORT"}
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--side",
                    side,
                    "--children",
                    str(args.children),
                    "--threads",
                    str(args.threads),
                ],
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=600,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"run {run} {side:8} grpcio {result['grpcio']}: {sum(result['killed'].values())} of "
                f"{args.children} children died before exec {result['killed'] or ''}",
                flush=True,
            )


if __name__ == "__main__":
    main()
