"""Cleaning accuracy and speed on real article pages with hand-made true article text.

    python bench/cleaning.py [--dev DIR] [--worst N] [--only-ours] [--page ID] [--runs N]

Two folders are scored in one run (DIR defaults to ../shared/extraction-dev
beside the repository): DIR itself (45 ScrapingHub benchmark pages) and
DIR/wcxb (241 WCXB pages, with ``with``/``without`` snippets). Each folder
gets its own table, and a combined one. WCXB is also split in two halves by
sorted page id (even positions "tune", odd positions "held"), and so is
ScrapingHub: a change is decided on the two tune halves and confirmed on the
two held halves, reported apart as the estimate for pages the rules never saw. Each folder holds
html/<id>.html.gz and ground-truth.json. The metric is the
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
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as a script, bench/ itself is first on sys.path, and bench/http.py would
# shadow the standard library's http package (trafilatura needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_app.cleaning import CleaningError, clean  # noqa: E402

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    key: str  # "sh/<id>" or "wcxb/<id>"
    html: bytes
    url: str
    truth: str
    with_: tuple[str, ...] = ()  # WCXB: snippets the article body must contain
    without: tuple[str, ...] = ()  # WCXB: page chrome it must not contain


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
    name: str, extract: Callable[[bytes, str], str], pages: list[Page]
) -> tuple[dict[str, str], float]:
    """Every page's output (\"\" when the extractor raised) and the CPU seconds it took.

    CPU time, not wall time: the machine is shared, and another process's
    work would otherwise be counted against whichever extractor ran beside it.
    """
    outputs: dict[str, str] = {}
    start = time.process_time()
    for page in pages:
        try:
            outputs[page.key] = extract(page.html, page.url)
        except Exception as exc:  # a third-party extractor failing counts as empty output
            logging.debug("%s failed on %s: %s", name, page.key, exc)
            outputs[page.key] = ""
    return outputs, time.process_time() - start


def _snippet_norm(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def table(outputs: dict[str, str], pages: list[Page]) -> dict[str, Any]:
    """The benchmark's figures over these pages, plus WCXB's snippet rates."""
    per_page = []
    empty = 0
    with_found = with_all = without_found = without_all = 0
    for page in pages:
        output = outputs[page.key]
        if not output.strip():
            empty += 1
        p, r = page_scores(output, page.truth)
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_page.append((f, p, r, page.key))
        if page.with_ or page.without:
            norm = " " + _snippet_norm(output) + " "
            for snippet in page.with_:
                with_all += 1
                with_found += f" {_snippet_norm(snippet)} " in norm
            for snippet in page.without:
                without_all += 1
                without_found += f" {_snippet_norm(snippet)} " in norm
    n = len(per_page) or 1
    precision = sum(p for _, p, _, _ in per_page) / n
    recall = sum(r for _, _, r, _ in per_page) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pages": len(per_page),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "empty": empty,
        "with": with_found / with_all if with_all else None,
        "without": without_found / without_all if without_all else None,
        "per_page": sorted(per_page),
    }


def load(root: Path, prefix: str) -> list[Page]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            Page(
                key=f"{prefix}{page_id}",
                html=html,
                url=item.get("url") or "",
                truth=item["articleBody"],
                with_=tuple(item.get("with") or ()),
                without=tuple(item.get("without") or ()),
            )
        )
    return pages


def _rate(value: float | None) -> str:
    return f"{value:7.3f}" if value is not None else "      -"


def main(argv: list[str] | None = None) -> int:
    # ../shared beside the repository; a worktree sits one level deeper.
    here = Path(__file__).resolve().parents
    found = [d / "shared" / "extraction-dev" for d in here[1:4]]
    default_dir = next((d for d in found if d.is_dir()), found[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", default=str(default_dir), help="the extraction-dev folder")
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages (ours)")
    parser.add_argument("--only-ours", action="store_true", help="skip the other extractors")
    parser.add_argument("--page", help="print our output for one page key (sh/0001, wcxb/0004)")
    parser.add_argument("--json", help="also write every table (and per-page F1) to this file")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs per extractor, interleaved (median kept)"
    )
    args = parser.parse_args(argv)

    root = Path(args.dev)
    sh = load(root, "sh/")
    wcxb = load(root / "wcxb", "wcxb/") if (root / "wcxb").is_dir() else []
    if args.page:
        page = next(p for p in sh + wcxb if p.key == args.page)
        print(ours(page.html, page.url)[0])
        return 0
    groups = {
        "scrapinghub": sh,
        "sh-tune": sh[0::2],
        "sh-held": sh[1::2],
        "wcxb": wcxb,
        "wcxb-tune": wcxb[0::2],
        "wcxb-held": wcxb[1::2],
        "combined": sh + wcxb,
    }
    pages = sh + wcxb

    titles = dates = 0
    for page in pages:
        _, has_title, has_date = ours(page.html, page.url)
        titles += has_title
        dates += has_date

    extractors: list[tuple[str, Callable[[bytes, str], str]]] = [
        ("ours", lambda h, u: ours(h, u)[0])
    ]
    if not args.only_ours:
        for name, factory in (("trafilatura", _trafilatura), ("readability", _readability)):
            extract = factory()
            if extract is None:
                print(f"{name}: not installed, skipped (pip install -e '.[bench]')")
                continue
            extractors.append((name, extract))
    # Interleaved runs, so a busy spell on the shared machine hits every extractor.
    timed: dict[str, list[float]] = {name: [] for name, _ in extractors}
    outputs_of: dict[str, dict[str, str]] = {}
    for _ in range(max(1, args.runs)):
        for name, extract in extractors:
            outputs_of[name], seconds = score(name, extract, pages)
            timed[name].append(seconds)
    runs = [(name, outputs_of[name], statistics.median(timed[name])) for name, _ in extractors]

    report: dict[str, Any] = {}
    header = ("extractor", "F1", "prec", "recall", "empty", "with", "without")
    for group, members in groups.items():
        if not members:
            continue
        print(f"\n{group}: {len(members)} pages")
        print("{:<12} {:>6} {:>6} {:>6} {:>5} {:>7} {:>7}".format(*header))
        for name, outputs, _ in runs:
            res = table(outputs, members)
            report.setdefault(group, {})[name] = res
            print(
                f"{name:<12} {res['f1']:6.3f} {res['precision']:6.3f} {res['recall']:6.3f} "
                f"{res['empty']:5d} {_rate(res['with'])} {_rate(res['without'])}"
            )
    print(f"\nCPU time over {len(pages)} pages, median of {args.runs} interleaved runs:")
    for name, _, seconds in runs:
        ratio = seconds / runs[0][2]
        print(
            f"  {name:<12} {seconds:7.2f} s {len(pages) / seconds:8.1f} pages/s "
            f"({ratio:.2f}x ours' time)"
        )
    print(f"ours: {titles}/{len(pages)} pages with a title, {dates}/{len(pages)} with a date")
    tuned = report["sh-tune"]["ours"]["per_page"] + report.get("wcxb-tune", {}).get("ours", {}).get(
        "per_page", []
    )
    print(f"ours, {args.worst} worst tuning pages (F1 precision recall id):")
    for f, p, r, key in sorted(tuned)[: args.worst]:
        print(f"  {f:.3f} {p:.3f} {r:.3f} {key}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
