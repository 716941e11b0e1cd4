"""`search-app serve` in its own process, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import TOKEN, LiveServer


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def test_pages_and_api_over_http(live_server):
    status, headers, body = get(live_server.url("/search?q=%22seeking+asylum%22"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert body.count(b'class="result') >= 3
    status, _, body = get(live_server.url("/api/search?q=asylum"))
    assert status == 200 and json.loads(body)["total_articles"] == 3
    status, headers, body = get(live_server.url("/api/search?q=%28asylum"))
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_query"
    assert headers["Content-Type"].startswith("application/json")
    status, _, body = get(live_server.url("/static/app.js"))
    assert status == 200 and b"keydown" in body


def test_concurrent_clients_all_get_answers(live_server):
    codes: list[int] = []
    lock = threading.Lock()

    def client(q: str) -> None:
        for _ in range(10):
            status, _, _ = get(live_server.url(f"/api/search?q={q}"))
            with lock:
                codes.append(status)

    threads = [
        threading.Thread(target=client, args=(q,))
        for q in ("asylum", "myanmar", "diplomat", "embassy", "junta", "coup", "defect", "un")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 80


def test_a_posted_document_is_searchable_within_a_second(tmp_path: Path, corpus_index: Path):
    import shutil
    import time

    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    server = LiveServer(index, env={"SEARCH_APP_TOKEN": TOKEN})
    try:
        text = "Flamingos crowded the salt pans near the estuary this spring. " * 4
        req = urllib.request.Request(
            server.url("/api/documents"),
            data=json.dumps({"text": text, "title": "Flamingos", "id": "fl-1"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 201
        committed = time.monotonic()
        while True:
            _, _, body = get(server.url("/api/search?q=flamingos"))
            if json.loads(body)["total_articles"] == 1:
                break
            assert time.monotonic() - committed < 1.0, "not searchable within a second"
            time.sleep(0.05)
    finally:
        server.stop()
