"""`search-app`: ingest, clean, search, reindex, remove, stats, serve.

A thin shell over the same functions the web layer calls (pipeline, search),
so the terminal and the browser never disagree. Exit status: 0 when all went
well, 1 when some sources or the command failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from . import cleaning
from .config import load_settings
from .engine.sphinx.errors import SphinxError
from .engine.whoosh.indexing import IndexError_, IndexNotFound
from .engines import open_index
from .models import SORTS
from .pipeline import (
    IngestOptions,
    clean_raw,
    ingest,
    options_from_settings,
    reindex,
    remove_article,
)
from .query import QueryError
from .request import RequestError, build_request
from .serialize import page_as_dict
from .service import SearchService
from .sources import SourceFailure, read_sources

log = logging.getLogger("search_app")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path | frozenset):
        return str(value) if isinstance(value, Path) else sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


class Progress:
    """A one-line progress counter on a terminal; silent when output is piped."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()

    def __call__(self, seen: int, location: str) -> None:
        if self.enabled and (seen < 100 or seen % 50 == 0):
            name = location if len(location) < 60 else "…" + location[-59:]
            self.stream.write(f"\r\x1b[K{seen:>7} documents  {name}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _options(args: argparse.Namespace) -> IngestOptions:
    options = options_from_settings(
        args.settings, getattr(args, "rules", None), prune=getattr(args, "prune", False)
    )
    if args.command == "ingest" and args.source:
        options = replace(options, source=args.source)
    return options


def _publisher(value: str) -> str:
    """An `ingest --source` value: a name people read on every result, so not blank."""
    name = " ".join(value.split())
    if not name:
        raise argparse.ArgumentTypeError("needs a publisher's name, e.g. --source 'BBC News'")
    return name


def cmd_ingest(args: argparse.Namespace) -> int:
    progress = Progress(sys.stderr)
    report = ingest(args.sources, args.index, _options(args), progress=progress)
    progress.done()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for failure in report.failed:
            print(f"failed: {failure.location}: {failure.reason}")
        if report.failed_more:
            print(f"failed: ... and {report.failed_more} more, not listed")
        print(
            f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed, {report.failed_count} failed "
            f"in {report.seconds:.1f} s"
        )
    return 0 if report.ok else 1


def _article_json(path: str, stored: Any) -> dict[str, Any]:
    art = stored.article
    return {
        "path": path,
        "id": stored.id,
        "title": art.title,
        "published": art.published.isoformat() if art.published else None,
        "source": art.source,
        "url": art.url,
        "summary": art.summary,
        "contributors": art.contributors,
        "author": art.author,
        "paragraphs": list(art.paragraphs),
        "removed": [asdict(r) for r in art.removed],
        "low_confidence": art.low_confidence,
    }


def cmd_clean(args: argparse.Namespace) -> int:
    options = _options(args)
    status = 0
    documents = []
    for item in read_sources(args.files, options.sources):
        if isinstance(item, SourceFailure):
            print(f"error: {item.location}: {item.reason}", file=sys.stderr)
            status = 1
            continue
        try:
            stored = clean_raw(item, options.rules)
        except cleaning.CleaningError as exc:
            print(f"error: {item.location}: {exc}", file=sys.stderr)
            status = 1
            continue
        doc = _article_json(item.location, stored)
        if args.format == "jsonl":
            print(json.dumps(doc, ensure_ascii=False))
        elif args.format == "json":
            documents.append(doc)
        else:
            _print_article(doc, args.explain)
    if args.format == "json":
        print(json.dumps(documents, ensure_ascii=False, indent=2))
    return status


def _print_article(doc: dict[str, Any], explain: bool) -> None:
    print(f"# {doc['title']}")
    print(f"  path: {doc['path']}")
    for key in ("published", "source", "author", "url", "contributors"):
        if doc.get(key):
            print(f"  {key}: {doc[key]}")
    if doc.get("summary"):
        print(f"\n  {doc['summary']}")
    print()
    for i, para in enumerate(doc["paragraphs"]):
        print(f"[{i}] {para}\n")
    if explain:
        if doc.get("low_confidence"):
            print("low confidence: no part of the page looked like an article; best guess kept")
        print(f"removed ({len(doc['removed'])}):")
        for r in doc["removed"]:
            text = r["text"] if len(r["text"]) < 100 else r["text"][:97] + "..."
            print(f"  - {r['category']} ({r['rule']}): {text}")
        print()


# The request checks speak the API's language (?q=, 'per_page'); the CLI's own names.
_CLI_NAMES = {"per_page": "--per-page", "page": "--page", "sort": "--sort", "from": "--from",
              "to": "--to"}  # fmt: skip


def _cli_words(exc: RequestError) -> str:
    if exc.param == "q":
        return "Add the words to search for: search-app search 'asylum diplomat'."
    message = exc.message
    for name, flag in _CLI_NAMES.items():
        message = message.replace(f"'{name}'", flag)
    return message


def cmd_search(args: argparse.Namespace) -> int:
    settings = args.settings
    try:
        req = build_request(
            settings,
            args.query,
            page=args.page,
            per_page=args.per_page,
            sort=args.sort,
            sources=args.source or (),
            date_from=args.date_from,
            date_to=args.date_to,
        )
        req = replace(req, nocorrect=args.nocorrect)
        page = SearchService(args.index, settings).search(req)
    except RequestError as exc:  # a bad option: a usage error, named as the CLI spells it
        print(f"error: {_cli_words(exc)}", file=sys.stderr)
        return 2
    except QueryError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(page_as_dict(page), ensure_ascii=False, indent=2))
        return 0
    bold, mark, reset = ("\x1b[1m", "\x1b[7m", "\x1b[0m") if sys.stdout.isatty() else ("", "", "")
    print(_count_line(page))
    if page.excluded_undated:
        print(f"{page.excluded_undated} undated articles left out by the date filter")
    if page.corrected_from:
        print(f"Showing results for {page.query}. Search instead for {page.corrected_from}")
    if page.suggestion:
        print(f"Did you mean: {page.suggestion}")
    divider = page.total_articles > 0 or page.page > 1
    for r in page.results:
        if r.partial and divider:
            print(f"\n-- {page.partial_articles} articles match some of the words, not all --")
            divider = False
        date = r.published.date().isoformat() if r.published else "undated"
        print(f"\n{bold}{r.title}{reset}  [{r.source or 'unknown'}, {date}]  id={r.id}")
        for p in r.paragraphs:
            if p.duplicate_of:
                print(f"  ¶{p.position + 1}: (same paragraph as in {p.duplicate_of.title!r})")
                continue
            text = p.highlight.replace("<mark>", mark).replace("</mark>", reset)
            import html as _html

            print(f"  ¶{p.position + 1}: {_html.unescape(text)}")
        if r.more:
            print(f"  (+{r.more} more matching paragraphs)")
        # Once per article, as on the page: a copy shares several paragraphs.
        also = {a.id: a.title for p in r.paragraphs for a in p.also_in}
        if also:
            print("  also in: " + "; ".join(also.values()))
        for d in r.duplicates:
            print(f"  same article: {d.title} [{d.source or 'unknown'}]  id={d.id}")
    return 0


def _count_line(page: Any) -> str:
    """The counts as the results page gives them: all words first, then some of them."""
    line = f"{page.total_articles} articles, {page.total_paragraphs} paragraphs"
    if page.partial_articles and not page.total_articles:
        line = f"No article matches all words; {page.partial_articles} match some of them"
    elif page.partial_articles:
        line += f" match all words; {page.partial_articles} more articles match some of them"
    return f"{line} ({page.took_ms:.1f} ms)"


def cmd_reindex(args: argparse.Namespace) -> int:
    progress = Progress(sys.stderr)
    report = reindex(args.index, _options(args), progress=progress)
    progress.done()
    for failure in report.failed:
        print(f"failed: {failure.location}: {failure.reason}")
    if report.failed_more:
        print(f"failed: ... and {report.failed_more} more, not listed")
    print(f"reindexed {report.updated} articles in {report.seconds:.1f} s")
    return 0 if report.ok else 1


def cmd_remove(args: argparse.Namespace) -> int:
    if remove_article(args.index, args.id, _options(args)):
        print(f"removed {args.id}")
        return 0
    print(f"error: no article with id {args.id!r}", file=sys.stderr)
    return 1


def cmd_stats(args: argparse.Namespace) -> int:
    index = open_index(args.index, args.settings.engine)
    stats = index.stats()
    nodes = index.nodes() if hasattr(index, "nodes") else None  # a cluster: each node
    if args.json:
        out = {**asdict(stats), **({"nodes": nodes} if nodes else {})}
        print(json.dumps(out, default=_json_default))
    else:
        print(
            f"{stats.articles} articles, {stats.paragraphs} paragraphs, {stats.sources} sources, "
            f"{stats.index_bytes / 1e6:.1f} MB, schema version {stats.schema_version}"
        )
        for n in nodes or ():
            where = f"shard {n['shard']}" if n["role"] == "shard" else n["role"]
            health = "healthy" if n["healthy"] else "DOWN"
            print(f"  {n['name']} ({where}) port {n['port']} pid {n['pid']}: {health}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from . import create_app
    from .web import serving

    settings = args.settings
    host = args.host or settings.host
    port = args.port or settings.port
    from .web.service import warm_in_background

    open_index(args.index, settings.engine)  # readers open, writers create: a typo fails here
    app = create_app({"INDEX": str(args.index), "ENGINE": settings.engine})
    warm_in_background(app)
    print(f"Serving Article Search on http://{host}:{port}/ (index: {args.index})", flush=True)
    serving.serve(app, host, port, app.config["SETTINGS"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="search-app", description="Full-text search over news articles."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_index(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--index", help="index folder (default: SEARCH_APP_INDEX, else index/)")
        p.add_argument(
            "--engine",
            help="whoosh (default) or sphinx:PATH/cluster.json (default: SEARCH_APP_ENGINE)",
        )
        return p

    p = with_index(sub.add_parser("ingest", help="read sources and index their articles"))
    p.add_argument("sources", nargs="+", help="files, folders, URLs, feeds or JSON Lines files")
    p.add_argument("--prune", action="store_true", help="remove articles whose file is gone")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--rules", help="extra cleaning rules file (JSON)")
    p.add_argument(
        "--source",
        metavar="NAME",
        type=_publisher,
        help="the publisher of every article read (wins over what the documents say)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("clean", help="print cleaned articles without indexing them")
    p.add_argument("files", nargs="+")
    p.add_argument("--explain", action="store_true", help="list what was removed and why")
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    p.add_argument("--rules", help="extra cleaning rules file (JSON)")
    p.set_defaults(func=cmd_clean)

    p = with_index(sub.add_parser("search", help="search the index"))
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="print the web API's JSON")
    p.add_argument("--page", help="page of results (from 1)")
    p.add_argument("--per-page", help="articles per page (default SEARCH_APP_PER_PAGE)")
    p.add_argument("--sort", choices=SORTS, default="relevance")
    p.add_argument("--from", dest="date_from", help="from this date: YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="up to this date, included")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p.add_argument(
        "--nocorrect", action="store_true", help="search the words as typed, never corrected"
    )
    p.set_defaults(func=cmd_search)

    p = with_index(sub.add_parser("reindex", help="rebuild the index from the raw store"))
    p.add_argument("--rules", help="extra cleaning rules file (JSON)")
    p.set_defaults(func=cmd_reindex)

    p = with_index(sub.add_parser("remove", help="remove one article by id"))
    p.add_argument("id")
    p.set_defaults(func=cmd_remove)

    p = with_index(sub.add_parser("stats", help="counts and size of the index"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = with_index(sub.add_parser("serve", help="serve the search pages and API"))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    from .cluster import cli as cluster_cli

    cluster_cli.add_subparser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # The one place the CLI reads the environment; --index outranks SEARCH_APP_INDEX.
        # --engine outranks SEARCH_APP_ENGINE.
        overrides = {k: v for k in ("index", "engine") if (v := getattr(args, k, None)) is not None}
        args.settings = load_settings(overrides=overrides or None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if hasattr(args, "index"):
        args.index = args.settings.index
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Per-source failures are reported in the summary; don't print them twice.
        for name in ("search_app.pipeline", "search_app.rebuild"):
            logging.getLogger(name).setLevel(logging.ERROR)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # `search-app search ... | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except IndexNotFound as exc:
        # Readers never create an index; exit 2, as for a usage error: wrong --index.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (IndexError_, SphinxError, cleaning.CleaningError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything committed so far is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
