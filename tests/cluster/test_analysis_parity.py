"""searchd's generated text settings give our analyzer's stems: the engines index the same terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from search_app.analysis import fold, stem
from search_app.cluster.model import Cluster
from search_app.engine.sphinx.client import Connection

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
ACCENTED = "Café Zürich naïve São Paulo Ångström Kraków façade résumé Dvořák ÉLYSÉE Øresund"


def test_stems_and_folding_match_analysis(cluster: Cluster) -> None:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*")))
    text += " " + (ROOT / "tests" / "data" / "wire.jsonl").read_text(encoding="utf-8")
    # Letters only: our tokenizer keeps "U.S" and digits-with-letters whole, Sphinx splits them.
    words = sorted({w for w in re.findall(r"[^\W\d_]+", text + " " + ACCENTED)})
    assert len(words) > 500
    conn = Connection(cluster.shards[0].mirrors[0])
    try:
        result = conn.execute(
            "CALL KEYWORDS(%s, %s, 0)", [" ".join(words), cluster.index], meta=False
        )
    finally:
        conn.close()
    assert [row[1] for row in result.rows] == [fold(w) for w in words]
    differ = [(row[1], row[2], stem(row[1])) for row in result.rows if row[2] != stem(row[1])]
    assert differ == []
