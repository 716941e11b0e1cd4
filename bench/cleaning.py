"""Cleaning accuracy and speed on real news pages with hand-made true article text.

    python bench/cleaning.py [PAGES_DIR] [--worst N] [--page ID]

PAGES_DIR holds html/<id>.html.gz and ground-truth.json (default:
../shared/extraction-dev beside the repository). The metric is the
ScrapingHub article-extraction benchmark's own: \\w+ tokens, 4-token shingles
counted with multiplicity, per-page precision and recall, means over pages,
F1 of the two means. Our output is scored as the paragraphs joined by
newlines, without the title: the true text is the article body only, and
trafilatura's and readability's outputs are scored the same way. A page on
which an extractor raises or returns nothing scores 0 (unless its true text
is empty too).

trafilatura and readability-lxml are scored in the same run when importable
(optional bench dependencies), so the figures compare on one machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

# Run as a script, bench/ itself is first on sys.path, and bench/http.py would
# shadow the standard library's http package (trafilatura needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_app.cleaning import CleaningError, clean  # noqa: E402

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_scores(output: str, truth: str) -> tuple[float, float]:
    """(precision, recall) of one page; a page with nothing on either side scores 1."""
    out, ref = shingles(output), shingles(truth)
    tp = sum((out & ref).values())
    fp = sum((out - ref).values())
    fn = sum((ref - out).values())
    if tp + fp + fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def ours(html: bytes, url: str) -> tuple[str, bool, bool]:
    try:
        article = clean(html, url=url, content_type="text/html")
    except CleaningError:
        return "", False, False
    return "\n".join(article.paragraphs), bool(article.title), article.published is not None


def _trafilatura() -> Callable[[bytes, str], str] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: bytes, url: str) -> str:
        return trafilatura.extract(html.decode("utf-8", "replace"), url=url) or ""

    return run


def _readability() -> Callable[[bytes, str], str] | None:
    try:
        from lxml import html as lxml_html
        from readability import Document
    except ImportError:
        return None

    def run(html: bytes, url: str) -> str:
        summary = Document(html.decode("utf-8", "replace"), url=url).summary()
        return lxml_html.fromstring(summary).text_content() if summary.strip() else ""

    return run


def score(
    name: str, extract: Callable[[bytes, str], str], pages: list[tuple[str, bytes, str, str]]
) -> dict[str, object]:
    per_page = []
    empty = 0
    start = time.perf_counter()
    for page_id, html, url, truth in pages:
        try:
            output = extract(html, url)
        except Exception as exc:  # a third-party extractor failing counts as empty output
            logging.debug("%s failed on %s: %s", name, page_id, exc)
            output = ""
        if not output.strip():
            empty += 1
        p, r = page_scores(output, truth)
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_page.append((f, p, r, page_id))
    seconds = time.perf_counter() - start
    precision = sum(p for _, p, _, _ in per_page) / len(per_page)
    recall = sum(r for _, _, r, _ in per_page) / len(per_page)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "name": name,
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "empty": empty,
        "seconds": seconds,
        "pages_per_s": len(pages) / seconds if seconds else float("inf"),
        "per_page": sorted(per_page),
    }


def main(argv: list[str] | None = None) -> int:
    default_dir = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages_dir", nargs="?", default=str(default_dir))
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages (ours)")
    parser.add_argument("--only-ours", action="store_true", help="skip the other extractors")
    args = parser.parse_args(argv)

    root = Path(args.pages_dir)
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((page_id, html, item.get("url") or "", item["articleBody"]))

    titles = dates = 0
    for _, html, url, _ in pages:
        _, has_title, has_date = ours(html, url)
        titles += has_title
        dates += has_date

    results = [score("ours", lambda h, u: ours(h, u)[0], pages)]
    if not args.only_ours:
        for name, factory in (("trafilatura", _trafilatura), ("readability", _readability)):
            extract = factory()
            if extract is None:
                print(f"{name}: not installed, skipped (pip install -e '.[bench]')")
                continue
            results.append(score(name, extract, pages))

    print(f"{len(pages)} pages from {root}")
    header = ("extractor", "F1", "prec", "recall", "empty", "s", "pages/s")
    print("{:<12} {:>6} {:>6} {:>6} {:>5} {:>7} {:>8}".format(*header))
    for res in results:
        print(
            f"{res['name']:<12} {res['f1']:6.3f} {res['precision']:6.3f} {res['recall']:6.3f} "
            f"{res['empty']:5d} {res['seconds']:7.2f} {res['pages_per_s']:8.1f}"
        )
    print(f"ours: {titles}/{len(pages)} pages with a title, {dates}/{len(pages)} with a date")
    print(f"ours, {args.worst} worst pages (F1 precision recall id):")
    for f, p, r, page_id in results[0]["per_page"][: args.worst]:  # type: ignore[index]
        print(f"  {f:.3f} {p:.3f} {r:.3f} {page_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
