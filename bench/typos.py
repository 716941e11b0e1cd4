#!/usr/bin/env python3
"""Spelling corrections on misspellings of frequent news words, beside plain SymSpell.

    python bench/typos.py [--corpus FILE.jsonl.gz ...] [--index DIR] [--samples N]

The vocabulary is counted as the service counts it (``vocabulary.article_terms``
over each record's title and paragraphs; default: the BBC corpus in
../shared/corpus), or read from an index folder's vocabulary.sqlite with
``--index``. Two sets of misspellings:

- real: a hand list of common English misspellings (after public lists of
  common misspellings), kept where the right word is in at least MIN_DF
  articles;
- generated: frequent words (at least MIN_DF articles, 5+ letters, not
  stopwords) with one random deletion, insertion, transposition or
  substitution (fixed seed), kept where the result is no word of the
  vocabulary; and the same with two edits.

For each: top-1 (the correction is the right word), top-5 (the right word is
among the first five candidates) and the latency of one correction, p50/p95.
The yardstick, in the same run on the same vocabulary: symspellpy as its
README uses it (every word with its count, max distance 2, the first of
``lookup(..., Verbosity.CLOSEST)``; top-5 from ``Verbosity.ALL``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from symspellpy import SymSpell, Verbosity  # noqa: E402

from search_app.analysis import STOPWORDS  # noqa: E402
from search_app.models import Article  # noqa: E402
from search_app.spelling import Speller  # noqa: E402
from search_app.vocabulary import Vocabulary, article_terms  # noqa: E402

SHARED = ROOT.parent / "shared"
if not SHARED.exists():  # a worktree sits one folder deeper than a clone
    SHARED = ROOT.parents[1] / "shared"
BBC = SHARED / "corpus" / "bbc-news-2005.jsonl.gz"
SEED = 14
MIN_DF = 10  # "frequent": in at least this many articles (BBC has 2,225)

# (misspelling, meant): common English misspellings, as in public lists of them.
REAL = """
goverment government; govenment government; elction election; recieve receive;
coffe coffee; untill until; occured occurred; seperate separate; definately definitely;
accomodate accommodate; begining beginning; beleive believe; wierd weird; acheive achieve;
adress address; agressive aggressive; apparantly apparently; arguement argument;
basicly basically; buisness business; calender calendar; catagory category;
comittee committee; commited committed; completly completely; concious conscious;
curiousity curiosity; decieve deceive; dilemna dilemma; dissapoint disappoint;
embarass embarrass; enviroment environment; existance existence; familar familiar;
finaly finally; foriegn foreign; freind friend; goverments governments; gaurd guard;
happend happened; harrass harass; hieght height; immediatly immediately;
independant independent; intresting interesting; knowlege knowledge; libary library;
lisence licence; maintainance maintenance; millenium millennium; neccessary necessary;
noticable noticeable; occassion occasion; occurence occurrence; oppurtunity opportunity;
parliment parliament; persue pursue; posession possession; prefered preferred;
prescence presence; probaly probably; publically publicly; realy really; recomend recommend;
refered referred; relevent relevant; religous religious; remeber remember;
resistence resistance; responsability responsibility; sieze seize; similiar similar;
sucessful successful; supercede supersede; suprise surprise; tommorow tomorrow;
tounge tongue; truely truly; unfortunatly unfortunately; wich which; writting writing;
beggining beginning; bussiness business; comming coming; critisism criticism;
developement development; diffrent different; dissappear disappear; excellant excellent;
goverment's government's; gouvernment government; minsiter minister; ministre minister;
electon election; elecion election; campain campaign; campaing campaign; conservitive conservative;
secratary secretary; secertary secretary; chancelor chancellor;
ecconomy economy; econmy economy; finacial financial; compnay company; comapny company;
tecnology technology; techology technology; televison television; footbal football;
playes players; plyers players; manger manager; managment management; goverernment government;
""".strip()


def real_pairs() -> list[tuple[str, str]]:
    pairs = []
    for item in re.split(r"[;\n]", REAL):
        parts = item.split()
        if len(parts) == 2 and "'" not in item:
            pairs.append((parts[0], parts[1]))
    return pairs


def vocabulary_from_corpora(paths: list[Path]) -> tuple[dict[str, int], dict[str, int]]:
    counts: Counter[str] = Counter()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                paragraphs = tuple(p for p in re.split(r"\n\s*\n", rec.get("text") or "") if p)
                counts.update(
                    article_terms(Article(title=rec.get("title") or "", paragraphs=paragraphs))
                )
    words = {t: n for t, n in counts.items() if " " not in t}
    phrases = {t: n for t, n in counts.items() if " " in t and n >= 2}
    return words, phrases


def edit(word: str, rng: random.Random) -> str:
    """One random edit: deletion, insertion, transposition or substitution."""
    kind = rng.choice(("delete", "insert", "transpose", "substitute"))
    i = rng.randrange(len(word))
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i:]
    if kind == "transpose" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(string.ascii_lowercase.replace(word[i], "")) + word[i + 1 :]


def generated_pairs(words: dict[str, int], n: int, edits: int) -> list[tuple[str, str]]:
    rng = random.Random(SEED + edits)
    frequent = sorted(
        w
        for w, c in words.items()
        if c >= MIN_DF and len(w) >= 5 and w.isalpha() and w not in STOPWORDS
    )
    pairs: list[tuple[str, str]] = []
    while len(pairs) < n:
        meant = rng.choice(frequent)
        typo = meant
        for _ in range(edits):
            typo = edit(typo, rng)
        if typo != meant and typo not in words:
            pairs.append((typo, meant))
    return pairs


Ranker = Callable[[str], list[str]]


def ours(speller: Speller) -> Ranker:
    return lambda word: [c.suggestion for c in speller.suggestions(word, 5)]


def plain_symspell(words: dict[str, int]) -> Ranker:
    sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for word, count in words.items():
        sym.create_dictionary_entry(word, count)

    def rank(word: str) -> list[str]:
        closest = sym.lookup(word, Verbosity.CLOSEST, 2)
        top = [s.term for s in closest[:1]]
        rest = [s.term for s in sym.lookup(word, Verbosity.ALL, 2) if s.term not in top]
        return top + rest[:4]

    return rank


def measure(pairs: list[tuple[str, str]], rank: Ranker, first: Callable[[str], str | None]):
    top1 = top5 = 0
    times: list[float] = []
    for typo, meant in pairs:
        started = time.perf_counter()
        best = first(typo)
        times.append(time.perf_counter() - started)
        top1 += best == meant
        top5 += meant in rank(typo)
    times.sort()
    return {
        "n": len(pairs),
        "top1": top1 / len(pairs),
        "top5": top5 / len(pairs),
        "p50": statistics.median(times) * 1e3,
        "p95": times[int(0.95 * (len(times) - 1))] * 1e3,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="*", default=[BBC])
    ap.add_argument("--index", type=Path, help="read vocabulary.sqlite from this index folder")
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--misses", action="store_true", help="print our wrong top-1 answers")
    args = ap.parse_args()

    started = time.perf_counter()
    if args.index:
        with Vocabulary.in_index(args.index) as vocab:
            words, phrases = vocab.words(), vocab.phrases()
    else:
        words, phrases = vocabulary_from_corpora(args.corpus)
    counted = time.perf_counter() - started
    started = time.perf_counter()
    speller = Speller.from_counts(words, phrases)
    built = time.perf_counter() - started
    started = time.perf_counter()
    plain = plain_symspell(words)
    built_plain = time.perf_counter() - started
    print(
        f"vocabulary: {len(words):,} words, {len(phrases):,} phrases (df >= 2), counted in "
        f"{counted:.1f} s; speller built in {built:.2f} s, plain SymSpell in {built_plain:.2f} s"
    )

    def ours_first(word: str) -> str | None:
        fix = speller.correct(word)
        return fix.suggestion if fix else None

    plain_first: Callable[[str], str | None] = lambda word: (plain(word) or [None])[0]  # noqa: E731

    real = [(t, m) for t, m in real_pairs() if words.get(m, 0) >= MIN_DF]
    sets = {
        f"real misspellings (right word in >= {MIN_DF} articles)": real,
        "generated, 1 edit": generated_pairs(words, args.samples, 1),
        "generated, 2 edits": generated_pairs(words, args.samples, 2),
    }
    print()
    print(
        "| set | n | speller top-1 | top-5 | p50 ms | p95 ms "
        "| plain SymSpell top-1 | top-5 | p50 ms | p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, pairs in sets.items():
        a = measure(pairs, ours(speller), ours_first)
        b = measure(pairs, plain, plain_first)
        print(
            f"| {name} | {a['n']} | {a['top1']:.1%} | {a['top5']:.1%} | {a['p50']:.2f} | "
            f"{a['p95']:.2f} | {b['top1']:.1%} | {b['top5']:.1%} | {b['p50']:.2f} | "
            f"{b['p95']:.2f} |"
        )
        if args.misses:
            for typo, meant in pairs:
                got = ours_first(typo)
                if got != meant:
                    print(f"    {typo} -> {got} (meant {meant}; plain: {plain_first(typo)})")

    rng = random.Random(SEED)
    hostile = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 30)))
        for _ in range(80)
    )
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        speller.correct_query(hostile, include_known=True)
        speller.suggest_queries(hostile)
        runs.append(time.perf_counter() - started)
    prefixes = ["myanm", "parliam", "prime min", "diplo", "elect", "gov", "s", '"prime min']
    live = []
    for prefix in prefixes * 20:
        started = time.perf_counter()
        speller.suggest_queries(prefix)
        live.append(time.perf_counter() - started)
    live.sort()
    print()
    print(
        "80 made-up words (correct_query + suggest_queries): "
        f"median {statistics.median(runs) * 1e3:.2f} ms"
    )
    print(
        f"suggest_queries on {len(prefixes)} prefixes x 20: "
        f"p50 {statistics.median(live) * 1e3:.3f} ms, "
        f"p95 {live[int(0.95 * (len(live) - 1))] * 1e3:.3f} ms"
    )
    for prefix in prefixes:
        print(f"  {prefix!r} -> {speller.suggest_queries(prefix, 5)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
