"""Files, folders and JSON Lines: raw bytes with provenance, or a failure with a reason."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from search_app.models import RawDocument
from search_app.sources import SourceFailure, SourceOptions, read_sources

ROOT = Path(__file__).resolve().parents[2]


def split(items):
    docs = [i for i in items if isinstance(i, RawDocument)]
    failures = {Path(f.location).name: f.reason for f in items if isinstance(f, SourceFailure)}
    return docs, failures


def test_folder_is_read_recursively_sorted_and_hidden_files_skipped(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("Second story text.")
    (tmp_path / "one.html").write_text("<html><body><p>First story.</p></body></html>")
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("repo")
    (tmp_path / "noext").write_text("<!DOCTYPE html><html><body><p>sniffed</p></body></html>")
    docs, failures = split(list(read_sources([str(tmp_path)])))
    assert failures == {}
    assert [(Path(d.location).name, d.content_type) for d in docs] == [
        ("noext", "text/html"),
        ("one.html", "text/html"),
        ("two.txt", "text/plain"),
    ]
    doc = docs[2]
    assert doc.location == str((tmp_path / "b" / "two.txt").resolve())
    assert doc.fetched_at.tzinfo is not None
    assert len(doc.sha256) == 64


def test_bad_files_each_get_a_clear_reason(tmp_path: Path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (tmp_path / "blank.txt").write_text("   \n\n ")
    (tmp_path / "big.txt").write_text("x" * 2000)
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    items = list(
        read_sources([str(tmp_path), str(tmp_path / "missing.html")], SourceOptions(max_bytes=1000))
    )
    docs, failures = split(items)
    assert docs == []
    assert failures["photo.txt"] == "binary file (looks like PNG image)"
    assert failures["blank.txt"] == "empty file"
    assert failures["big.txt"].startswith("over the size cap")
    assert failures["pipe.txt"] == "not a regular file"
    assert failures["link.txt"] == "broken symbolic link"
    assert failures["missing.html"] == "not found"


def test_jsonl_records_stream_with_ids_meta_and_bad_lines_reported(tmp_path: Path):
    path = tmp_path / "corpus.jsonl.gz"
    lines = [
        json.dumps(
            {"id": "r-1", "title": "Oil up", "date": "1987-03-02T00:00:00", "text": "Oil rose."}
        ),
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "r-2", "url": "https://example.com/x", "html": "<p>Hello</p>"}),
        json.dumps({"id": "r-3", "title": "No body"}),
        "",
    ]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    items = list(read_sources([str(path)]))
    docs = [i for i in items if isinstance(i, RawDocument)]
    failures = [i for i in items if isinstance(i, SourceFailure)]
    assert [(d.key, d.content_type, d.content) for d in docs] == [
        ("r-1", "text/plain", b"Oil rose."),
        ("r-2", "text/html", b"<p>Hello</p>"),
    ]
    assert docs[0].meta == {"title": "Oil up", "date": "1987-03-02T00:00:00"}
    assert docs[1].url == "https://example.com/x"
    assert [f.location.rsplit("#", 1)[1] for f in failures] == ["2", "3", "5"]
    assert "not valid JSON" in failures[0].reason
    assert "has no 'text' or 'html'" in failures[2].reason


def test_rss_file_with_full_text_entries(tmp_path: Path):
    body = "<p>" + "Full article text about the embassy. " * 20 + "</p>"
    rss = f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Feed</title>
<item><title>First</title><link>https://news.example/1</link>
<pubDate>Wed, 13 Jul 2011 17:58:00 -0400</pubDate>
<description><![CDATA[{body}]]></description></item>
</channel></rss>"""
    (tmp_path / "feed.xml").write_text(rss)
    items = list(read_sources([str(tmp_path / "feed.xml")]))
    assert len(items) == 1 and isinstance(items[0], RawDocument)
    doc = items[0]
    assert doc.content_type == "text/html" and b"embassy" in doc.content
    assert doc.meta["title"] == "First"
    assert doc.meta["date"] == "2011-07-13T21:58:00+00:00"
    assert doc.url == "https://news.example/1"


def test_broken_feed_is_a_failure(tmp_path: Path):
    (tmp_path / "bad.rss").write_text("<rss><channel><item><title>x</title>")
    items = list(read_sources([str(tmp_path / "bad.rss")]))
    assert all(isinstance(i, SourceFailure) for i in items) and items


def test_json_files_are_article_records_or_fail_not_text(tmp_path: Path):
    # A .json file is read as JSON: one record, or a list of them (the JSON Lines
    # fields); any other JSON (a data or config file in the folder) fails, where
    # it used to become an "article" titled like '{ "0004": {'.
    (tmp_path / "one.json").write_text(json.dumps({"id": "j1", "text": "Herons at dawn."}))
    (tmp_path / "list.json").write_text(
        json.dumps([{"id": "j2", "html": "<p>Cormorants</p>"}, {"id": "j3", "title": "No body"}])
    )
    (tmp_path / "data.json").write_text(json.dumps({"0004": {"truth": "..."}}))
    (tmp_path / "broken.json").write_text("{broken")
    items = list(read_sources([str(tmp_path)]))
    docs = {i.key: i.content for i in items if isinstance(i, RawDocument)}
    failures = {Path(f.location).name: f.reason for f in items if isinstance(f, SourceFailure)}
    assert docs == {"j1": b"Herons at dawn.", "j2": b"<p>Cormorants</p>"}
    assert failures["data.json"].endswith("this one holds other data")
    assert failures["broken.json"].startswith("not valid JSON")
    assert "has no 'text' or 'html'" in failures["list.json#2"]


def test_empty_record_files_and_false_gzip_names_fail_with_their_reason(tmp_path: Path):
    # An empty .jsonl used to report "0 new, 0 failed" (an empty .txt said "empty
    # file"), and a .gz that isn't gzip was indexed as a text article.
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "blank.jsonl").write_text("\n\n")
    (tmp_path / "fake.gz").write_bytes(b"not gzip")
    items = list(read_sources([str(tmp_path)]))
    assert all(isinstance(i, SourceFailure) for i in items), items
    assert {Path(f.location).name: f.reason for f in items} == {
        "blank.jsonl": "empty file (no records)",
        "empty.jsonl": "empty file (no records)",
        "fake.gz": "named .gz but not gzip-compressed",
    }
