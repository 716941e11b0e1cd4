"""URL fetching under attack (issue 18, items 6, 14, 15): the SSRF guard, the pinned
connection, the overall deadline and malformed URLs.

No traffic leaves the machine: the guard is tested on addresses directly, name
resolution through a resolver the test controls, and slow servers are
sockets on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from search_app import create_app
from search_app.sources import SourceError, SourceOptions, fetch_url
from search_app.sources.addresses import refusal
from tests.conftest import TOKEN
from tests.httpserver import LocalServer

PAGE = b"<html><head><title>T</title></head><body><p>A story.</p></body></html>"

REFUSED = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.100.100.200",  # a cloud's metadata service, inside 100.64.0.0/10
    "169.254.169.254",
    "0.0.0.0",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "224.0.0.1",
]
ALLOWED = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "2002:808:808::"]


@pytest.mark.parametrize("address", REFUSED)
def test_every_address_that_is_not_globally_routable_is_refused(address):
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


class Resolver:
    """A DNS the test controls: host -> answers, one per call (the last repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("100.100.100.200", "cloud metadata"),
        ("2002:7f00:1::", "loopback address inside an IPv6 address"),
        ("::ffff:192.168.0.10", "private address inside an IPv6 address"),
    ],
)
def test_a_name_resolving_to_a_refused_address_is_refused(answer, why):
    resolver = Resolver({"news.example": [[answer]]})
    options = SourceOptions(block_private=True, resolver=resolver)
    with pytest.raises(SourceError, match=why):
        fetch_url("http://news.example/story", options)


def test_one_lookup_per_hop_and_the_connection_goes_to_the_checked_address():
    with LocalServer({"/page": (200, {"Content-Type": "text/html"}, PAGE)}) as srv:
        # A second answer would point elsewhere (DNS rebinding): it must never be asked for.
        resolver = Resolver({"news.example": [["127.0.0.1"], ["192.0.2.1"]]})
        options = SourceOptions(
            block_private=True, allow_hosts=frozenset({"news.example"}), resolver=resolver
        )
        raw = fetch_url(f"http://news.example:{srv.port}/page", options)
        assert raw.content == PAGE
        assert resolver.calls == ["news.example"]


def test_a_rebinding_name_is_refused_on_the_answer_that_was_checked():
    with LocalServer({"/page": (200, {"Content-Type": "text/html"}, PAGE)}) as srv:
        resolver = Resolver({"news.example": [["127.0.0.1"], ["8.8.8.8"]]})
        options = SourceOptions(block_private=True, resolver=resolver)
        with pytest.raises(SourceError, match="loopback"):
            fetch_url(f"http://news.example:{srv.port}/page", options)
        assert srv.hits == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:99999/", "http://[::1/", "http://h:abc/", "http://:80/", "http://h:0/"],
)
def test_malformed_urls_fail_with_a_reason(url):
    with pytest.raises(SourceError, match="not a valid URL"):
        fetch_url(url, SourceOptions(block_private=True))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/",
        "http://[::1/",
        "http://h:abc/",
        "http://100.100.100.200/latest",
        "http://[2002:7f00:1::]/",
    ],
)
def test_bad_or_refused_urls_over_the_api_are_422(tmp_path, url):
    app = create_app({"INDEX": str(tmp_path / "i"), "TESTING": True, "TOKEN": TOKEN})
    resp = app.test_client().post(
        "/api/documents", json={"url": url}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == "fetch_failed"


def dribbling_server(head: bytes, body_bytes: int, every: float) -> Iterator[int]:
    """A server that sends ``head`` then one body byte every ``every`` seconds."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(head)
                    for _ in range(body_bytes):
                        if stop.wait(every):
                            return
                        conn.sendall(b"x")
                except OSError:
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


@pytest.fixture
def dribbler() -> Iterator[int]:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"
    yield from dribbling_server(head, 1000, 0.1)


def test_the_timeout_bounds_the_whole_fetch_not_each_read(dribbler):
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out after 1 s"):
        fetch_url(f"http://127.0.0.1:{dribbler}/", SourceOptions(timeout=1.0))
    assert time.monotonic() - started < 2.0


@pytest.fixture
def header_dribbler() -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.1):  # an endless header, a line at a time
                    conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


def test_a_server_dribbling_headers_is_cut_off_at_the_deadline(header_dribbler):
    started = time.monotonic()
    with pytest.raises(SourceError, match="timed out after 1 s"):
        fetch_url(f"http://127.0.0.1:{header_dribbler}/", SourceOptions(timeout=1.0))
    assert time.monotonic() - started < 2.0
