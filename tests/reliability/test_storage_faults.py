"""Faults of the index's storage answer 503 with the reason, never 500 (issue 18, item 12).

The index folder deleted under a running app, a deleted segment file, a
folder the server may not write to, and a full disk. The last two run the real
server in its own process: as an unprivileged user over a folder it can't
write, and with a file-size limit (the kernel's "file too large", which is
what a full disk looks like to the writer).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from search_app import create_app
from tests.conftest import ROOT, TOKEN, free_port

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "Volunteers counted sixty pelicans in the harbour of Lisbon on Sunday morning. " * 3


def client_for(index: Path):  # type: ignore[no-untyped-def]
    app = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0, "TOKEN": TOKEN})
    return app.test_client()


def assert_503(resp, code: str, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == 503, resp.get_data(as_text=True)[:300]
    error = resp.get_json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error["message"]


def test_an_index_folder_deleted_while_serving_is_503(writable_index: Path):
    client = client_for(writable_index)
    assert client.get("/api/search?q=asylum").status_code == 200
    shutil.rmtree(writable_index)
    for path in ("/healthz", "/api/stats", "/api/search?q=asylum", "/api/search?q=embassy"):
        assert_503(client.get(path), "index_unavailable", "search-app ingest")
    page = client.get("/search?q=asylum")
    assert page.status_code == 503 and "search-app ingest" in page.get_data(as_text=True)


def test_a_deleted_segment_file_is_503_on_the_next_upload(writable_index: Path):
    next(iter((writable_index / "whoosh").glob("*.seg"))).unlink()
    client = client_for(writable_index)
    resp = client.post("/api/documents", json={"text": TEXT, "id": "p1"}, headers=AUTH)
    assert_503(resp, "index_unavailable", "search-app reindex")


class Server:
    """`search-app serve` with a preexec hook (user, limits); stopped by ``stop``."""

    def __init__(self, index: Path, log: Path, preexec) -> None:  # type: ignore[no-untyped-def]
        self.port = free_port()
        env = {**os.environ, "SEARCH_APP_RATE_LIMIT": "0", "SEARCH_APP_TOKEN": TOKEN}
        env["SEARCH_APP_WRITER_TIMEOUT"] = "2"
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        cmd = [sys.executable, "-m", "search_app.cli", "serve", "--index", str(index)]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )
        deadline = time.monotonic() + 30
        while not self._up():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start: {log.read_text()}")
            time.sleep(0.1)

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(self.url("/healthz"), timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url(path), data=data, method=method)
        req.add_header("Authorization", f"Bearer {TOKEN}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _without_override() -> None:
    """Run as root without the capabilities that ignore file modes: modes then bind it.

    Dropped from the bounding set before exec, so the server process never has
    them (prctl PR_CAPBSET_DROP; CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _set_modes(root: Path, folder: int, file: int) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(folder if path.is_dir() else file)


def test_a_read_only_index_folder_is_503_for_writes_and_searches_go_on(writable_index: Path):
    preexec = _without_override if os.geteuid() == 0 else None
    _set_modes(writable_index, 0o555, 0o444)
    server = Server(writable_index, writable_index.parent / "server.log", preexec)
    try:
        status, body = server.request("GET", "/api/search?q=asylum")
        assert status == 200 and body["total_articles"] >= 1
        aid = body["results"][0]["id"]
        status, body = server.request("POST", "/api/documents", {"text": TEXT, "id": "p1"})
        assert status == 503 and body["error"]["code"] == "read_only", body
        status, body = server.request("DELETE", f"/api/documents/{aid}")
        assert status == 503 and body["error"]["code"] == "read_only", body
        assert server.request("GET", "/api/search?q=asylum")[0] == 200
    finally:
        server.stop()
        _set_modes(writable_index, 0o755, 0o644)


def test_a_full_disk_is_503_for_an_upload_and_the_index_is_unchanged(writable_index: Path):
    def limit() -> None:  # Python ignores SIGXFSZ: a write past it fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000, 2_000))

    server = Server(writable_index, writable_index.parent / "server.log", limit)
    try:
        before = server.request("GET", "/api/stats")[1]["articles"]
        story = {"text": TEXT * 20, "id": "big-1", "title": "Pelicans"}
        status, body = server.request("POST", "/api/documents", story)
        assert status == 503 and body["error"]["code"] == "disk_full", body
        assert "disk is full" in body["error"]["message"]
        assert server.request("GET", "/api/stats")[1]["articles"] == before
        assert server.request("GET", "/api/search?q=asylum")[0] == 200
    finally:
        server.stop()


def test_a_raw_store_locked_past_sqlites_wait_is_503_busy(tmp_path: Path):
    import sqlite3

    from search_app.web.errors import storage_fault

    fault = storage_fault(sqlite3.OperationalError("database is locked"), tmp_path)
    assert fault is not None and fault.status == 503 and fault.code == "busy"
    assert fault.headers["Retry-After"] == "5"
    assert storage_fault(sqlite3.OperationalError("no such table: x"), tmp_path) is None
    assert storage_fault(ValueError("a bug"), tmp_path) is None
