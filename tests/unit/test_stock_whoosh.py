"""Importing and using search_app leaves Whoosh as shipped (nothing is patched)."""

from __future__ import annotations

import subprocess
import sys

_CHECK = r"""
import io, sys
import whoosh.codec.whoosh3 as w3, whoosh.formats as fm, whoosh.writing as wr
import whoosh.filedb.structfile as sf, whoosh.multiproc as mp

def snapshot():
    return {
        "BufferFile.__init__": sf.BufferFile.__init__,
        "W3PerDocReader._cached_reader": w3.W3PerDocReader._cached_reader,
        "SegmentWriter._flush_segment": wr.SegmentWriter._flush_segment,
        "SegmentWriter.add_document": wr.SegmentWriter.add_document,
        "writing.PostingPool": wr.PostingPool,
        "W3PostingsWriter._write_block": w3.W3PostingsWriter._write_block,
        "Positions.word_values": fm.Positions.word_values,
        "Existence.word_values": fm.Existence.word_values,
        "SubWriterTask.run": mp.SubWriterTask.run,
    }

before = snapshot()
import search_app, search_app.cli, search_app.service  # every entry point's imports
from search_app.pipeline import ingest
ingest([sys.argv[1]], sys.argv[2])
from search_app.service import SearchService
from search_app.models import SearchRequest
SearchService(sys.argv[2]).search(SearchRequest(q="asylum"))
after = snapshot()
changed = [name for name in before if before[name] is not after[name]]
print("changed:", changed)
sys.exit(1 if changed else 0)
"""


def test_importing_and_using_search_app_leaves_whoosh_stock(tmp_path) -> None:
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    out = subprocess.run(
        [sys.executable, "-c", _CHECK, str(seeds), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "changed: []" in out.stdout


def test_no_module_outside_the_engine_imports_whoosh() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "search_app"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.relative_to(root).parts[0] != "engine"
        and any(
            line.strip().startswith(("import whoosh", "from whoosh"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
