from search_app import analysis
from search_app.analysis import analyze, split_sentences, stem
from search_app.engine.whoosh import analyzers
from search_app.engine.whoosh.analyzers import news_analyzer


def test_analyzer_folds_case_and_accents_and_stems():
    assert analyze("Seeking asylum at the Café") == ["seek", "asylum", "at", "the", "cafe"]


def test_whoosh_analyzer_matches_plain_analyze_and_keeps_offsets():
    text = "Diplomats defected, seeking asylum."
    tokens = [(t.text, t.startchar, t.endchar) for t in news_analyzer()(text, chars=True)]
    assert [t[0] for t in tokens] == analyze(text)
    assert [text[s:e] for _, s, e in tokens] == ["Diplomats", "defected", "seeking", "asylum"]


def test_abbreviations_are_not_stemmed():
    assert stem("u.s") == "u.s"
    assert analyze("the U.S. embassy") == ["the", "u.s", "embassi"]


def test_sentences_do_not_break_after_known_abbreviations():
    text = "Mr. Smith met Dr. Jones on Jan. 5 in Washington. Then they left."
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones on Jan. 5 in Washington.",
        "Then they left.",
    ]


def test_index_shortcut_gives_the_same_postings_as_whoosh_token_chain():
    from pathlib import Path

    from search_app.engine.whoosh import indexing, writer

    texts = [
        "The U.S. envoy's 3.5% rise: Café CAFÉ cafe, naïve — seeking asylum, asylum!",
        "Ünïcödé ﬁne words; e.g. 1,000,000 and x",
        "repeated repeated REPEATED words words",
        "",
        "   ",
        "Mr. Kyaw Moe Tun said, 'We're staying' (2021-03-01).",
    ]
    seed = Path(__file__).resolve().parents[2] / "seeds"
    texts += [
        p.read_text(encoding="utf-8", errors="replace")[:20000] for p in sorted(seed.iterdir())
    ]
    schema = indexing.make_schema()
    for name in ("text", "title", "source"):
        field = schema[name]
        assert analyzers.fast_positions(field.analyzer) is not None
        for text in texts:
            fast = list(writer.index_terms(field, text))
            # Whoosh's own token chain, as shipped (nothing of ours is patched in).
            slow = list(field.index(text))
            assert fast == slow, (name, text[:40])


def test_index_shortcut_is_not_taken_for_other_analyzers():
    from whoosh.analysis import StandardAnalyzer

    assert analyzers.fast_positions(StandardAnalyzer()) is None
    assert analyzers.fast_positions(analyzers.NltkTokenizer() | analyzers.FoldFilter()) is None


def test_indexes_pickled_with_the_old_analyzer_path_still_resolve():
    """Schema-2 indexes name search_app.analysis.NltkTokenizer in their pickled schema."""
    assert analysis.NltkTokenizer is analyzers.NltkTokenizer
    assert analysis.SnowballFilter is analyzers.SnowballFilter
