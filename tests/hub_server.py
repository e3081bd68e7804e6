"""A real HTTP server on the loopback that answers the Hugging Face hub's file API, for the download tests.

It serves, for each repository it holds, the listing ``huggingface_hub.HfApi.model_info(files_metadata=True)``
reads (``GET /api/models/OWNER/REPO/revision/REV?blobs=True``: the commit, each file's size and git blob id, and
for large files their LFS SHA-256) and the files themselves (``GET /OWNER/REPO/resolve/COMMIT/NAME``, with
``Range: bytes=N-`` as the hub answers it). It can cut a file's answer part-way through and then refuse the next
requests, as a network that drops does, or serve bytes that differ from the listing, and it records every request.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LFS_FROM = 10 * 2**20
"""Files from this size up are listed as LFS files (with their SHA-256), as the hub lists model.bin."""


@dataclass
class Repo:
    files: dict[str, Path]
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    licence: str | None = "mit"
    tampered: set[str] = field(default_factory=set)
    """Files served with one byte changed (their listing stays right)."""


@dataclass
class Cut:
    """Cut ``name``'s answer after ``after`` bytes, then refuse the next ``refusals`` requests for it (503)."""

    name: str
    after: int
    refusals: int = 1
    done: bool = False


class Hub:
    def __init__(self, repos: dict[str, Repo]):
        self.repos = repos
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        self.cut: Cut | None = None
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                hub.requests.append(("GET", self.path, self.headers.get("Range")))
                hub.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ranges(self, name: str) -> list[str | None]:
        return [r for method, path, r in self.requests if path.endswith("/" + name)]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        listing = re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?", path)
        if listing:
            return self.listing(handler, listing.group(1))
        served = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if not served or served.group(1) not in self.repos:
            return self.send(handler, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
        return self.file(handler, self.repos[served.group(1)], served.group(3))

    def listing(self, handler, repo_id: str) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            return self.send(handler, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
        siblings = []
        for name, path in repo.files.items():
            data = path.read_bytes()
            sibling = {"rfilename": name, "size": len(data), "blobId": git_blob_id(data)}
            if len(data) >= LFS_FROM:
                sibling["lfs"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "pointerSize": 134}
            siblings.append(sibling)
        if "README.md" not in repo.files:  # a repository's other files are listed and never asked for
            siblings.append({"rfilename": "README.md", "size": 5, "blobId": git_blob_id(b"hello")})
        body = {"id": repo_id, "sha": repo.commit, "siblings": siblings, "cardData": {"license": repo.licence}}
        self.send(handler, 200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def file(self, handler, repo: Repo, name: str) -> None:
        if name not in repo.files:
            return self.send(handler, 404, b"Entry not found", {"X-Error-Code": "EntryNotFound"})
        data = repo.files[name].read_bytes()
        if name in repo.tampered:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        cut = self.cut
        if cut and cut.name == name and cut.done and cut.refusals > 0:
            cut.refusals -= 1
            return self.send(handler, 503, b"Service Unavailable", {})
        start = int(re.fullmatch(r"bytes=(\d+)-", handler.headers["Range"]).group(1)) if handler.headers["Range"] else 0
        status = 206 if start else 200
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(data) - start))
        handler.send_header("X-Repo-Commit", repo.commit)
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        handler.end_headers()
        body = data[start:]
        if cut and cut.name == name and not cut.done:
            cut.done = True
            handler.wfile.write(body[: cut.after])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(body)

    @staticmethod
    def send(handler, status: int, body: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
