#!/usr/bin/env python3
"""Ranking quality on public IR test collections, beside the engines users would pick.

    python bench/relevance.py [COLLECTION_DIR...]   (default: ../shared/relevance-dev/*)

Each collection (BEIR layout: corpus.jsonl.gz, queries.jsonl, qrels/test.tsv)
is ingested through the real pipeline (as a JSON Lines file: each document an
article, title and text as given) into a temporary index; every query runs
through SearchService.search exactly as typed into the search box. Printed:
nDCG@10, Recall@100 and MAP@100 (pytrec_eval's ndcg_cut.10, recall.100,
map_cut.100: linear gains, queries that return nothing score 0), for us and,
in the same run on the same documents and queries, SQLite FTS5 (porter,
bm25()) and tantivy (en_stem) with the query words ORed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ itself is first on sys.path, and bench/http.py would
# shadow the standard library's http package (which Flask, imported by
# search_app, needs).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from search_app.config import Settings  # noqa: E402
from search_app.models import SearchRequest  # noqa: E402
from search_app.pipeline import IngestOptions, ingest  # noqa: E402
from search_app.query import QueryError  # noqa: E402
from search_app.service import SearchService  # noqa: E402

DEFAULT_DIRS = sorted((ROOT.parent / "shared" / "relevance-dev").glob("*/"))
WORD = re.compile(r"\w+")

Run = dict[str, list[str]]  # query id -> ranked doc ids
Qrels = dict[str, dict[str, int]]


def load(coll: Path) -> tuple[list[dict], dict[str, str], Qrels]:
    with gzip.open(coll / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    queries = {}
    for line in (coll / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    qrels: Qrels = {}
    for i, line in enumerate((coll / "qrels" / "test.tsv").read_text().splitlines()):
        parts = line.split("\t")
        if i == 0 and not parts[-1].strip().lstrip("-").isdigit():
            continue
        qid, did, score = parts[0], parts[1], int(parts[2])
        qrels.setdefault(qid, {})[did] = score
    return docs, queries, qrels


# --------------------------------------------------------------- metrics


def ndcg_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def map_at(ranked: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / len(relevant)


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    qids = [q for q in qrels if any(r > 0 for r in qrels[q].values())]
    n = len(qids) or 1
    return {
        "ndcg@10": sum(ndcg_at(run.get(q, []), qrels[q]) for q in qids) / n,
        "recall@100": sum(recall_at(run.get(q, []), qrels[q]) for q in qids) / n,
        "map@100": sum(map_at(run.get(q, []), qrels[q]) for q in qids) / n,
    }


# --------------------------------------------------------------- engines


def write_jsonl(docs: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            rec = {"id": d["_id"], "title": d.get("title") or "", "text": d.get("text") or ""}
            fh.write(json.dumps(rec) + "\n")


def split_docs(docs: list[dict], sentences: int = 3) -> list[dict]:
    """Article-shaped versions of one-paragraph documents: the text cut into paragraphs
    of ``sentences`` sentences (Punkt), same ids, so the judgments still apply."""
    from search_app.analysis import sentence_spans

    out = []
    for d in docs:
        text = d.get("text") or ""
        spans = sentence_spans(text) or [(0, len(text))]
        paras = [
            " ".join(text[s:e].strip() for s, e in spans[k : k + sentences])
            for k in range(0, len(spans), sentences)
        ]
        out.append({**d, "text": "\n\n".join(p for p in paras if p)})
    return out


def build_ours(docs: list[dict], tmp: Path) -> tuple[SearchService, dict]:
    jsonl = tmp / "corpus.jsonl"
    write_jsonl(docs, jsonl)
    index = tmp / "index"
    started = time.perf_counter()
    report = ingest([str(jsonl)], index, IngestOptions(batch_size=5000))
    info = {
        "ingested": report.new,
        "failed": len(report.failed),
        "ingest_s": time.perf_counter() - started,
    }
    return SearchService(index, Settings(index=index, cache_size=0)), info


def search_ours(
    service: SearchService, queries: dict[str, str], per_page: int = 100
) -> tuple[Run, dict]:
    run: Run = {}
    errors = 0
    started = time.perf_counter()
    for qid, text in queries.items():
        ranked: list[str] = []
        try:
            res = service.search(SearchRequest(q=text, page=1, per_page=per_page))
            ranked.extend(r.id for r in res.results)
        except QueryError as exc:
            errors += 1
            logging.info("query %s refused: %s", qid, exc)
        run[qid] = ranked
    return run, {"query_errors": errors, "search_s": time.perf_counter() - started}


def run_ours(docs: list[dict], queries: dict[str, str], tmp: Path) -> tuple[Run, dict]:
    service, info = build_ours(docs, tmp)
    run, more = search_ours(service, queries)
    return run, {**info, **more}


def per_query_ndcg(run: Run, qrels: Qrels) -> dict[str, float]:
    return {
        q: ndcg_at(run.get(q, []), qrels[q]) for q in qrels if any(r > 0 for r in qrels[q].values())
    }


def paired(base: dict[str, float], new: dict[str, float]) -> tuple[float, float, int, int]:
    """Mean paired difference, its standard error, and queries better / worse."""
    diffs = [new[q] - base[q] for q in base]
    n = len(diffs) or 1
    mean = sum(diffs) / n
    var = sum((x - mean) ** 2 for x in diffs) / max(1, n - 1)
    better = sum(1 for x in diffs if x > 1e-12)
    worse = sum(1 for x in diffs if x < -1e-12)
    return mean, math.sqrt(var / n), better, worse


def sweep(
    name: str, docs: list[dict], queries: dict[str, str], qrels: Qrels, settings: list[str]
) -> None:
    """Our engine on one index under several settings (module constants), each against
    the first with paired differences of per-query nDCG@10."""
    from search_app import service as service_module
    from search_app.engine import article_score

    targets = {"article_weight": (article_score, "ARTICLE_WEIGHT"),
               "article_k1": (article_score, "ARTICLE_K1"),
               "article_b": (article_score, "ARTICLE_B"),
               "partial_factor": (service_module, "PARTIAL_FACTOR")}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        service, _ = build_ours(docs, Path(tmp))
        base: dict[str, float] | None = None
        for setting in settings:
            saved = []
            for part in filter(None, setting.split(",")):
                key, value = part.split("=")
                module, attr = targets[key]
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, float(value))
            try:
                run, info = search_ours(service, queries)
                top10, _ = search_ours(service, queries, per_page=10)
            finally:
                for module, attr, old in reversed(saved):
                    setattr(module, attr, old)
            m = evaluate(run, qrels)
            per_q = per_query_ndcg(run, qrels)
            same = sum(1 for q in run if run[q][:10] == top10[q][:10])
            note = f"top10 per_page 10 = 100: {same}/{len(run)}"
            if base is None:
                base = per_q
            else:
                d, se, better, worse = paired(base, per_q)
                note = f"vs first {d:+.4f} se {se:.4f} ({better} better, {worse} worse); " + note
            print(
                f"{name:<10} {setting or 'shipped':<32} {m['ndcg@10']:8.4f} {m['recall@100']:7.3f} "
                f"{m['map@100']:8.3f}  {note}",
                flush=True,
            )
            service.close()
            service = SearchService(service.root, service.settings)


def run_fts5(docs: list[dict], queries: dict[str, str], tmp: Path) -> tuple[Run, dict]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, body, tokenize='porter')")
    conn.executemany(
        "INSERT INTO d VALUES (?, ?)",
        [(x["_id"], (x.get("title") or "") + "\n" + (x.get("text") or "")) for x in docs],
    )
    run: Run = {}
    for qid, text in queries.items():
        words = WORD.findall(text)
        if not words:
            run[qid] = []
            continue
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        rows = conn.execute(
            "SELECT id FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 100", (match,)
        ).fetchall()
        run[qid] = [r[0] for r in rows]
    return run, {}


def run_tantivy(docs: list[dict], queries: dict[str, str], tmp: Path) -> tuple[Run, dict]:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema = sb.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    for x in docs:
        writer.add_document(
            tantivy.Document(
                id=x["_id"], body=(x.get("title") or "") + "\n" + (x.get("text") or "")
            )
        )
    writer.commit()
    index.reload()
    searcher = index.searcher()
    run: Run = {}
    for qid, text in queries.items():
        words = [w.lower() for w in WORD.findall(text)]
        if not words:
            run[qid] = []
            continue
        q = index.parse_query(" OR ".join(words), ["body"])
        hits = searcher.search(q, 100).hits
        run[qid] = [searcher.doc(addr)["id"][0] for _, addr in hits]
    return run, {}


ENGINES: dict[str, Callable[[list[dict], dict[str, str], Path], tuple[Run, dict]]] = {
    "article-search": run_ours,
    "sqlite-fts5": run_fts5,
    "tantivy": run_tantivy,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collections", nargs="*", type=Path, default=DEFAULT_DIRS)
    parser.add_argument(
        "--split",
        action="store_true",
        help="also each collection split into paragraphs of three sentences (name/split)",
    )
    parser.add_argument(
        "--sweep",
        nargs="+",
        metavar="SETTING",
        help="our engine only, one index per collection, under each setting "
        "('' = shipped; 'article_weight=0.5,article_b=0.5'), paired against the first",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"{'collection':<10} {'engine':<15} {'nDCG@10':>8} {'R@100':>7} {'MAP@100':>8}  notes")
    for coll in args.collections:
        docs, queries, qrels = load(coll)
        queries = {q: t for q, t in queries.items() if q in qrels}
        forms = [(coll.name, docs)]
        if args.split:
            forms.append((coll.name + "/split", split_docs(docs)))
        for form, form_docs in forms:
            if args.sweep:
                sweep(form, form_docs, queries, qrels, args.sweep)
                continue
            engines = ENGINES if form == coll.name else {"article-search": run_ours}
            for name, engine in engines.items():
                with tempfile.TemporaryDirectory() as tmp:
                    try:
                        run, info = engine(form_docs, queries, Path(tmp))
                    except ImportError as exc:
                        print(f"{form:<10} {name:<15} skipped: {exc}")
                        continue
                m = evaluate(run, qrels)
                notes = " ".join(
                    f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in info.items()
                )
                print(
                    f"{form:<10} {name:<15} {m['ndcg@10']:8.3f} {m['recall@100']:7.3f} "
                    f"{m['map@100']:8.3f}  {notes}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
