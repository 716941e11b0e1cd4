"""How the cluster scores a paragraph: BM25 as on Whoosh, as a searchd ranking expression.

Sphinx's own ``ranker=bm25`` ignores a paragraph's length (b = 0) and ranks
first by how many fields matched, then by a coarse BM25; on the relevance
collections that cost up to 0.12 nDCG@10 against Whoosh (bench/RESULTS.md).
``bm25a()``/``bm25f()`` take lengths but read a wrong mean length from a
real-time index in 2.2.11, so the formula is written out here from factors
both Sphinx 2.2 and Manticore have (``ranker=expr``, ``sum_idf``,
``hit_count``, ``word_count``, and the ``title_len``/``text_len`` attributes
of ``index_field_lengths``).
"""

from __future__ import annotations

from ...cluster.config import FIELDS

# The headline counts as much as the text (as on Whoosh: syntax.TITLE_BOOST);
# every other field (source name, fingerprints, article words) only finds rows.
# Every field is named: searchd weighs a field left out as 1.
FIELD_WEIGHTS = {field: int(field in ("title", "text")) for field in FIELDS}
# k1 1.2, b 0.75 as on Whoosh, summed over the fields a word matched in, the
# paragraph's length (headline + text) against the cluster's mean. Per field:
# the matched words' summed IDF times one saturation at their mean count
# (hit_count / word_count), exact when each word occurs once, as in most
# paragraphs. Scaled to keep six digits: WEIGHT() is an integer.
K1, B = 1.2, 0.75
WEIGHT_SCALE = 1_000_000
BM25_EXPR = (
    f"sum({WEIGHT_SCALE}*sum_idf*(1.0*hit_count/word_count)*{{k1p1}}"
    "/(1.0*hit_count/word_count+{k1}*({one_b}+{b}*(title_len+text_len)/{mean:.3f})))"
)
# IDF log(N/n) (searchd scales it per shard), not divided by the query's word count.
IDF = "'plain,tfidf_unnormalized'"


def ranked_options(mean_length: float) -> list[str]:
    """The OPTION items of a ranked statement, given the mean paragraph length in words."""
    expr = BM25_EXPR.format(k1p1=K1 + 1, k1=K1, one_b=1 - B, b=B, mean=mean_length)
    weights = ", ".join(f"{k}={v}" for k, v in FIELD_WEIGHTS.items())
    return [f"ranker=expr('{expr}')", f"field_weights=({weights})", f"idf={IDF}"]


def mean_length_sql(index: str) -> str:
    """The statement for the mean paragraph length (index_field_lengths' token counts)."""
    return f"SELECT AVG(title_len + text_len) AS m FROM {index}"
