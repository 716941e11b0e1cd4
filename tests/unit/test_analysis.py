from search_app.analysis import analyze, news_analyzer, split_sentences, stem


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
