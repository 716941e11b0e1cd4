from bs4 import BeautifulSoup

from search_app.present import highlight


def only_text_and_marks(fragment: str) -> bool:
    soup = BeautifulSoup(fragment, "html.parser")
    return all(tag.name == "mark" for tag in soup.find_all(True))


def test_every_stemmed_variant_is_marked():
    html, plain = highlight(
        "He sought asylum; others are seeking asylums.", frozenset({"asylum", "seek"})
    )
    assert (
        html
        == "He sought <mark>asylum</mark>; others are <mark>seeking</mark> <mark>asylums</mark>."
    )
    assert plain == "He sought asylum; others are seeking asylums."


def test_article_markup_is_escaped_and_only_mark_is_added():
    text = '<script>alert(1)</script> asylum <img src=x onerror="alert(2)"> & more'
    html, _ = highlight(text, frozenset({"asylum", "script", "img"}))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;<mark>script</mark>&gt;" in html
    assert only_text_and_marks(html)
    assert BeautifulSoup(html, "html.parser").get_text() == text


def test_long_paragraph_is_cut_at_sentence_boundaries_with_ellipses():
    filler = "Nothing happened on this quiet day in the capital city. " * 6
    text = filler + "Then the diplomat asked for asylum. " + filler
    html, plain = highlight(text, frozenset({"asylum"}), fragment_chars=120)
    assert plain == "… Then the diplomat asked for asylum. …"
    assert html == "… Then the diplomat asked for <mark>asylum</mark>. …"


def test_short_paragraph_is_shown_whole():
    html, plain = highlight("No match here.", frozenset({"asylum"}))
    assert (html, plain) == ("No match here.", "No match here.")


def test_a_phrase_is_marked_where_its_words_stand_together_only():
    from search_app.present import Marks

    text = "Asylum rules changed. He is seeking asylum here, and asylum seekers wait."
    marks = Marks(phrases=((("seek", "asylum"), 1),))
    html, _ = highlight(text, marks)
    assert html.count("<mark>") == 2
    assert "<mark>seeking</mark> <mark>asylum</mark> here" in html
    assert html.startswith("Asylum rules") and "and asylum seekers" in html


def test_a_word_both_plain_and_in_a_phrase_is_marked_everywhere():
    from search_app.present import Marks

    text = "Asylum rules changed. He is seeking asylum here."
    html, _ = highlight(text, Marks(frozenset({"asylum"}), ((("seek", "asylum"), 1),)))
    assert html.count("<mark>") == 3


def test_query_marks_reads_phrases_and_words_from_the_query_tree():
    from search_app.present import query_marks
    from search_app.query.tree import And, Not, Phrase, Term

    q = And((Phrase("text", ("seek", "asylum")), Term("text", "blair"), Not(Term("text", "tory"))))
    marks = query_marks(q)
    assert marks.words == frozenset({"blair"})
    assert marks.phrases == ((("seek", "asylum"), 1),)
