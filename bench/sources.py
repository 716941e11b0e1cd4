"""Which source and author cleaning finds on real pages: names, hosts, and suspects.

    python bench/sources.py [PAGES_DIR...] [--list]

Each PAGES_DIR holds html/<id>.html.gz and ground-truth.json with each page's
`url` (or `domain`); default: ../shared/extraction-dev and its wcxb/ beside
the repository. Every page is cleaned with its URL, as a fetch would give it.
A source is counted as a *name* when it differs from the page's host, as a
*host* when cleaning fell back to the host, and as a *suspect* when a name
still reads like a tagline or a title (long, sentence-like, or a compound with
separators). There is no ground truth for names, so suspects and hosts are
listed for a person to judge with --list.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_app.cleaning import CleaningError, clean  # noqa: E402
from search_app.cleaning.attribution import name_like, readable_host  # noqa: E402

_SEPARATORS = re.compile(r"\s[|\u2013\u2014-]\s|\|")


def _pages(folder: Path):  # type: ignore[no-untyped-def]
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        info = truth.get(page_id, {})
        url = info.get("url") or (f"https://{info['domain']}/" if info.get("domain") else None)
        yield page_id, url, gzip.decompress(path.read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--list", action="store_true", help="list hosts and suspects")
    args = parser.parse_args(argv)
    default = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"
    dirs = args.dirs or [default, default / "wcxb"]
    kinds: Counter[str] = Counter()
    listed: list[tuple[str, str, str]] = []
    authors = 0
    for folder in dirs:
        for page_id, url, raw in _pages(folder):
            try:
                art = clean(raw, url=url, content_type="text/html")
            except CleaningError:
                kinds["not an article"] += 1
                continue
            authors += art.author is not None
            source = art.source or ""
            if not source:
                kind = "none"
            elif source == readable_host(url):
                kind = "host"
            elif not name_like(source) or _SEPARATORS.search(source):
                kind = "suspect"
            else:
                kind = "name"
            kinds[kind] += 1
            if kind != "name":
                listed.append((kind, f"{folder.name}/{page_id[:12]}", source))
    total = sum(kinds.values())
    print(f"{total} pages: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(f"authors found on {authors} of {total - kinds['not an article']} articles")
    if args.list:
        for kind, page_id, source in sorted(listed):
            print(f"  {kind:8} {page_id:22} {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
