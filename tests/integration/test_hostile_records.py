"""Hostile records (issue 18, items 8-10 and the upload items): each fails alone, with a reason.

Real indexes in tmp folders through the same pipeline as `search-app ingest`
and the Flask test client for the API; every record's outcome is checked.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import tracemalloc
from pathlib import Path

import pytest

from search_app import cli, create_app
from search_app.config import Settings
from search_app.pipeline import IngestOptions, ingest
from search_app.service import SearchService
from search_app.sources import SourceOptions, read_sources
from search_app.sources.base import SourceFailure
from search_app.sources.jsonl import read_jsonl
from tests.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "Volunteers counted sixty pelicans in the harbour of Lisbon on Sunday morning. " * 3


def good(n: int, **extra: object) -> str:
    return json.dumps({"id": f"ok-{n}", "title": f"Story {n}", "text": TEXT, **extra})


def page(date: str) -> str:
    return (
        f'<html><head><meta property="article:published_time" content="{date}">'
        f"<title>Pelicans</title></head><body><article><h1>Pelicans</h1><p>{TEXT}</p>"
        "</article></body></html>"
    )


def test_out_of_range_dates_fail_their_article_alone(tmp_path: Path):
    src = tmp_path / "dates.jsonl"
    lines = [
        good(1),
        good(2, id="early", date="0001-01-01T00:00:00+14:00"),
        good(3, id="late", date="9999-12-31T23:59:59-14:00"),
        good(4, date="2024-05-02"),
    ]
    src.write_text("\n".join(lines) + "\n")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "late.html").write_text(page("9999-12-31T23:59:59-14:00"))
    (tmp_path / "pages" / "fine.html").write_text(page("2024-05-02T10:00:00Z"))
    report = ingest([str(src), str(tmp_path / "pages")], tmp_path / "index", IngestOptions())
    assert report.new == 3, report.as_dict()
    reasons = {f.location: f.reason for f in report.failed}
    assert len(reasons) == 3, reasons
    assert any(r.startswith("id 'early': date") and "out of range" in r for r in reasons.values())
    assert any(r.startswith("id 'late': date") and "out of range" in r for r in reasons.values())
    assert any(loc.endswith("late.html") and "out of range" in r for loc, r in reasons.items())
    # The same run again: nothing left behind blocks it, and nothing is indexed twice.
    again = ingest([str(src), str(tmp_path / "pages")], tmp_path / "index", IngestOptions())
    assert again.new == 0 and again.unchanged == 3 and len(again.failed) == 3


def test_cli_reports_a_bad_date_and_indexes_the_rest(tmp_path: Path, capsys):
    src = tmp_path / "d.jsonl"
    src.write_text(good(1) + "\n" + good(2, id="bad", date="0001-01-01T00:00:00+14:00") + "\n")
    status = cli.main(["ingest", "--index", str(tmp_path / "index"), str(src)])
    out = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in out.err + out.out
    assert "1 new" in out.out and "1 failed" in out.out and "out of range" in out.out


def test_stated_dates_are_read_in_common_forms_and_an_unreadable_one_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # Scraper and feed exports state dates as RFC 2822, prose, Unix times and
    # years, not only ISO 8601; a date none of these is warned about by line
    # and id, and its record is still indexed (undated).
    src = tmp_path / "forms.jsonl"
    forms = ["Tue, 05 Mar 2019 10:00:00 GMT", 1551780000000, "5 March 2019", 2019, "2019-13-45"]
    src.write_text("".join(good(n, date=d) + "\n" for n, d in enumerate(forms)))
    with caplog.at_level(logging.WARNING, logger="search_app.sources.jsonl"):
        report = ingest([str(src)], tmp_path / "index", IngestOptions())
    assert report.new == 5 and not report.failed, report.as_dict()
    service = SearchService(tmp_path / "index", Settings(index=tmp_path / "index", cache_size=0))
    dates = []
    for n in range(len(forms)):
        view = service.article(f"ok-{n}")
        assert view is not None
        published = view.stored.article.published
        dates.append(published.isoformat() if published else None)
    service.close()
    assert dates == [
        "2019-03-05T10:00:00+00:00",
        "2019-03-05T10:00:00+00:00",
        "2019-03-05T00:00:00+00:00",
        "2019-01-01T00:00:00+00:00",
        None,
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "line 5 (id 'ok-4')" in warnings[0] and "'2019-13-45' is not one we read" in warnings[0]


def test_an_id_used_twice_keeps_the_first_record_every_time(tmp_path: Path):
    # Last-wins swapped the two records on every re-ingest of an unchanged file
    # and reported an update each time; now the repeat fails alone, by line and id.
    src = tmp_path / "dup.jsonl"
    src.write_text(good(1) + "\n" + good(2) + "\n" + good(3, id="ok-1", title="Dup") + "\n")
    for run in range(3):
        report = ingest([str(src)], tmp_path / "index", IngestOptions())
        counts = (report.new, report.updated, report.unchanged)
        assert counts == ((2, 0, 0) if run == 0 else (0, 0, 2)), report.as_dict()
        assert [(f.location.rsplit("#", 1)[1], f.reason) for f in report.failed] == [
            ("3", f"id 'ok-1' is used again; the record at {src}#1 is kept")
        ]
    service = SearchService(tmp_path / "index", Settings(index=tmp_path / "index", cache_size=0))
    view = service.article("ok-1")
    service.close()
    assert view is not None and view.stored.article.title == "Story 1"


def test_hostile_json_lines_fail_each_record_alone(tmp_path: Path):
    src = tmp_path / "hostile.jsonl"
    lines = [
        good(1),
        '{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}",  # int past the digit limit
        "[" * 50_000,  # past the parser's recursion depth
        '{"id": "long", "text": "' + "y" * 200_000 + '"}',  # over the line bound
        json.dumps({"id": "empty", "title": "nothing"}),
        "not json at all",
        good(2),
    ]
    src.write_text("\n".join(lines) + "\n")
    options = SourceOptions(max_bytes=10_000)
    items = list(read_jsonl(str(src), options))
    kinds = ["doc" if not isinstance(i, SourceFailure) else "fail" for i in items]
    assert kinds == ["doc", "fail", "fail", "fail", "fail", "fail", "doc"]
    reasons = [i.reason for i in items if isinstance(i, SourceFailure)]
    assert "line 2 is not valid JSON" in reasons[0] and "digits" in reasons[0]
    assert reasons[1] == "line 3 is nested too deeply to read"
    assert reasons[2].startswith("line 4 is over the size cap")
    assert reasons[3] == "line 5 (id 'empty') has no 'text' or 'html'"
    assert reasons[4].startswith("line 6 is not valid JSON")


def test_an_over_long_gzipped_line_is_never_held_whole(tmp_path: Path):
    src = tmp_path / "bomb.jsonl.gz"
    with gzip.open(src, "wb") as fh:
        fh.write(b'{"id": "bomb", "text": "' + b"z" * (40 * 1024 * 1024) + b'"}\n')
        fh.write(good(1).encode() + b"\n")
    options = SourceOptions(max_bytes=100_000)
    tracemalloc.start()
    try:
        items = list(read_jsonl(str(src), options))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], SourceFailure) and "over the size cap" in items[0].reason
    assert not isinstance(items[1], SourceFailure)
    assert peak < 8 * 1024 * 1024, peak  # the line is 40 MB; bounded reads stay far below


def test_failures_kept_in_a_report_are_capped_with_a_count_of_the_rest(tmp_path: Path, capsys):
    src = tmp_path / "bad.jsonl.gz"
    with gzip.open(src, "wb") as fh:
        fh.write(b"oops\n" * 5000 + good(1).encode() + b"\n")
    report = ingest([str(src)], tmp_path / "index", IngestOptions(workers=1))
    assert report.new == 1
    assert len(report.failed) == 100 and report.failed_more == 4900
    assert report.as_dict()["failed_more"] == 4900
    status = cli.main(["ingest", "--index", str(tmp_path / "index2"), str(src)])
    out = capsys.readouterr().out
    assert status == 1
    assert out.count("\n") < 110 and "4900 more" in out and "5000 failed" in out


def test_gzip_is_transparent_for_pages_too(tmp_path: Path):
    (tmp_path / "story.html.gz").write_bytes(gzip.compress(page("2024-05-02T10:00:00Z").encode()))
    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b"a" * 3_000_000))
    items = list(read_sources([str(tmp_path)], SourceOptions(max_bytes=1_000_000)))
    by_name = {Path(i.location).name: i for i in items}
    bomb, story = by_name["bomb.html.gz"], by_name["story.html.gz"]
    assert isinstance(bomb, SourceFailure) and "once decompressed" in bomb.reason
    assert not isinstance(story, SourceFailure) and story.content_type == "text/html"
    report = ingest([str(tmp_path / "story.html.gz")], tmp_path / "index", IngestOptions())
    assert report.new == 1 and report.ok


@pytest.fixture
def api(tmp_path: Path):
    app = create_app(
        {"INDEX": str(tmp_path / "index"), "TESTING": True, "RATE_LIMIT": 0, "TOKEN": TOKEN}
    )
    return app.test_client()


def upload(api, content: bytes, name: str):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(content), name)}
    return api.post("/api/documents", data=data, headers=AUTH, content_type="multipart/form-data")


def test_a_jsonl_upload_ingests_each_record_as_the_cli_does(api):
    body = "\n".join(
        [good(1), good(2), "broken", good(3, id="bad", date="0001-01-01T00:00:00+14:00")]
    )
    resp = upload(api, body.encode(), "batch.jsonl")
    data = resp.get_json()
    assert resp.status_code == 201, data
    assert data["new"] == 2 and sorted(a["id"] for a in data["articles"]) == ["ok-1", "ok-2"]
    assert len(data["failed"]) == 2
    assert api.get("/api/articles/ok-2").get_json()["title"] == "Story 2"
    gz = upload(api, gzip.compress((good(7) + "\n").encode()), "more.jsonl.gz")
    assert gz.status_code == 201 and gz.get_json()["articles"][0]["id"] == "ok-7"
    html = upload(api, gzip.compress(page("2024-05-02T10:00:00Z").encode()), "p.html.gz")
    assert html.status_code == 201, html.get_json()


def test_two_files_under_one_name_are_two_articles(api):
    first = upload(api, page("2024-05-02T10:00:00Z").encode(), "story.html")
    second = upload(api, page("2023-01-01T10:00:00Z").encode(), "story.html")
    assert first.status_code == 201 and second.status_code == 201, second.get_json()
    assert second.get_json()["new"] == 1 and second.get_json()["updated"] == 0
    ids = {first.get_json()["articles"][0]["id"], second.get_json()["articles"][0]["id"]}
    assert len(ids) == 2 and api.get("/api/stats").get_json()["articles"] == 2
    same = upload(api, page("2024-05-02T10:00:00Z").encode(), "renamed.html")
    assert same.status_code == 200 and same.get_json()["unchanged"] == 1
    art = api.get(f"/api/articles/{first.get_json()['articles'][0]['id']}").get_json()
    assert art["provenance"]["location"] == "upload:story.html"  # the name stays a label


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_bodies_are_400(api, depth):
    body = '{"html": ' + "[" * depth + "]" * depth + "}"
    resp = api.post(
        "/api/documents", data=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400, resp.get_data(as_text=True)[:200]
    assert resp.get_json()["error"]["code"] == "bad_request"


def test_an_out_of_range_date_over_the_api_is_422_with_the_reason(api):
    resp = api.post(
        "/api/documents",
        json={"text": TEXT, "id": "d1", "date": "9999-12-31T23:59:59-14:00"},
        headers=AUTH,
    )
    assert resp.status_code == 422
    assert "out of range" in resp.get_json()["error"]["message"]


def test_a_byte_order_mark_does_not_cost_the_first_record(tmp_path: Path):
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + good(1).encode() + b"\n" + good(2).encode() + b"\n")
    items = list(read_jsonl(str(src), SourceOptions()))
    assert [i.key for i in items] == ["ok-1", "ok-2"]
