"""The cleaning API: errors, decoding, fingerprints, and user rules files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search_app.cleaning import (
    CLEANER_VERSION,
    CleaningError,
    RulesError,
    clean,
    fingerprint,
    load_rules,
)

STORY = (
    "Rail strike called off\n\n"
    "Unions called off Monday's rail strike after a late offer on pay.\n\n"
    "Trains will run to the normal timetable, the operator said.\n\n"
    "Sponsored by Example Travel Insurance\n"
)


def test_version_is_a_string() -> None:
    assert isinstance(CLEANER_VERSION, str) and CLEANER_VERSION


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        ("", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary data \\(PDF\\)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data \\(PNG\\)"),
        (bytes(range(256)) * 4, "binary"),
        ("text\x00with\x01control\x02characters\x03" * 20, "control characters"),
    ],
)
def test_no_article_raises_cleaning_error(raw, message) -> None:
    with pytest.raises(CleaningError, match=message):
        clean(raw)


def test_cleaning_error_is_a_value_error() -> None:
    assert issubclass(CleaningError, ValueError)


def test_unsupported_content_type() -> None:
    with pytest.raises(CleaningError, match="unsupported content type"):
        clean(b"GIF89a...", content_type="image/gif")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_bytes_in_common_encodings(encoding) -> None:
    text = "Café owners “welcome” the €2 rise.\n\nThe rise takes effect in May, officials said."
    art = clean(text.encode(encoding), content_type="text/plain")
    assert art.paragraphs[0] == "Café owners “welcome” the €2 rise."


def test_declared_charset_is_used_and_a_wrong_one_ignored() -> None:
    text = "Zürich’s lake froze over for the first time since 1963, residents said."
    raw = text.encode("cp1252")
    assert clean(raw, charset="windows-1252").paragraphs == (text,)
    assert clean(raw, charset="iso-8859-1").paragraphs == (text,)  # browsers read it as 1252
    assert clean(raw, charset="utf-8").paragraphs == (text,)  # cannot be UTF-8: detected
    assert clean(text.encode("utf-8"), charset="bogus-charset").paragraphs == (text,)


def test_fingerprint_ignores_typography_space_and_case() -> None:
    a = "“It’s over,” he said — and left.\u00a0 THE END"
    b = '"It\'s over," he said - and left. the end'
    c = '"It\'s  over,"\nhe said--and left. The End'
    assert fingerprint(a) == fingerprint(b) == fingerprint(c)
    assert len(fingerprint(a)) == 16
    assert fingerprint("He said it was over.") != fingerprint("He said it is over.")
    assert fingerprint("ﬁnal") == fingerprint("final")  # NFKC ligature


def test_repeated_paragraph_kept_once() -> None:
    quote = "“We will not accept a deal that leaves our members worse off,” the union leader said."
    art = clean(f"Talks resumed on Monday.\n\n{quote}\n\nNo date was set.\n\n{quote}\n\nEnd.")
    assert art.paragraphs == ("Talks resumed on Monday.", quote, "No date was set.", "End.")
    assert [(r.text, r.category) for r in art.removed] == [(quote, "duplicate")]


def test_short_lines_may_recur_but_not_back_to_back() -> None:
    plan = "\n\n".join(
        ["Meal plan", "Day 1", "Eat every 2 hours.", "Day 2", "Eat every 2 hours."]
        + ["Eat every 2 hours."]
    )
    art = clean(plan)
    assert art.paragraphs == ("Day 1", "Eat every 2 hours.", "Day 2", "Eat every 2 hours.")
    assert [r.category for r in art.removed] == ["duplicate"]


def test_user_rules_add_replace_and_disable(tmp_path) -> None:
    default = clean(STORY)
    assert default.paragraphs[-1] == "Sponsored by Example Travel Insurance"
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "line_rules": [
                    {
                        "name": "sponsor-line",
                        "category": "ad",
                        "action": "drop",
                        "pattern": "^sponsored by ",
                        "max_chars": 80,
                    }
                ],
                "disable": ["share-prompt"],
            }
        ),
        encoding="utf-8",
    )
    rules = load_rules(path)
    art = clean(STORY, rules=rules)
    assert art.paragraphs == (
        "Unions called off Monday's rail strike after a late offer on pay.",
        "Trains will run to the normal timetable, the operator said.",
    )
    assert [(r.category, r.rule) for r in art.removed] == [("ad", "sponsor-line")]
    assert all(r.name != "share-prompt" for r in rules.line_rules)
    assert clean("Intro text here.\n\nPrint this page", rules=rules).paragraphs[-1] == (
        "Print this page"
    )


def test_domain_rules_apply_to_that_site_only(tmp_path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "domains": {
                    "news.example.com": {
                        "element_rules": [
                            {"name": "example-promo", "category": "promo", "css": "div.teaser"}
                        ]
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    html = (
        "<html><body><article><p>The mayor opened the new bridge on Saturday morning, two "
        "years late.</p><div class='teaser'>Try our crossword puzzle, new every day, free for "
        "readers of this site.</div></article></body></html>"
    )
    rules = load_rules(path)
    ours = clean(html, url="https://www.news.example.com/a", rules=rules)
    assert ours.paragraphs == (
        "The mayor opened the new bridge on Saturday morning, two years late.",
    )
    assert ("promo", "example-promo") in {(r.category, r.rule) for r in ours.removed}
    other = clean(html, url="https://other.example.org/a", rules=rules)
    assert len(other.paragraphs) == 2


def test_rules_with_combinators_select_on_the_parsed_page(tmp_path) -> None:
    # Selectors the per-element index cannot test go through lxml's cssselect.
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "element_rules": [
                    {"name": "article-aside", "category": "promo", "css": "article > div + p"}
                ],
                "body_hints": [{"name": "story", "category": "body", "css": "main section.story"}],
            }
        ),
        encoding="utf-8",
    )
    html = (
        "<html><body><main><section class='story'><article><p>The mayor opened the new "
        "bridge on Saturday morning, two years late and well over budget.</p><div>Ad</div>"
        "<p>Try our crossword puzzle, new every day, free for readers of this site.</p>"
        "</article></section></main></body></html>"
    )
    art = clean(html, rules=load_rules(path))
    assert art.paragraphs == (
        "The mayor opened the new bridge on Saturday morning, two years late and well over budget.",
    )
    assert (
        "Try our crossword puzzle, new every day, free for readers of this site.",
        "promo",
        "article-aside",
    ) in {(r.text, r.category, r.rule) for r in art.removed}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "top level: must be a JSON object"),
        ('{"line_rulez": []}', "unknown key"),
        (
            '{"line_rules": [{"name": "bad-re", "category": "ad", "pattern": "(unclosed"}]}',
            "line_rules\\[0\\] 'bad-re': bad regular expression",
        ),
        (
            '{"line_rules": [{"name": "x", "category": "ad", "pattern": "a", "action": "zap"}]}',
            "line_rules\\[0\\] 'x': action 'zap'",
        ),
        ('{"line_rules": [{"category": "ad", "pattern": "a"}]}', "'name' must be"),
        (
            '{"element_rules": [{"name": "bad-css", "category": "ad", "css": "div[["}]}',
            "element_rules\\[0\\] 'bad-css': bad CSS selector",
        ),
        ('{"disable": ["no-such-rule"]}', "no shipped rule is named 'no-such-rule'"),
        (
            '{"line_rules": [{"name": "a", "category": "c", "pattern": "x"},'
            ' {"name": "a", "category": "c", "pattern": "y"}]}',
            "'a': rule name used twice",
        ),
    ],
)
def test_malformed_rules_file_fails_naming_file_and_rule(tmp_path, content, message) -> None:
    path = tmp_path / "my-rules.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=message) as info:
        load_rules(path)
    assert str(path) in str(info.value)


def test_missing_rules_file(tmp_path) -> None:
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (
            "Президент России заявил в понедельник, что переговоры продолжатся на следующей "
            "неделе в Москве, а соглашение может быть подписано уже в этом месяце.",
            "cp1251",
        ),
        (
            "Prezydent powiedział w poniedziałek, że rozmowy będą kontynuowane w przyszłym "
            "tygodniu w Warszawie. Źródła zbliżone do rządu twierdzą, że porozumienie zostanie "
            "podpisane jeszcze w tym miesiącu.",
            "cp1250",
        ),
    ],
)
def test_undeclared_regional_code_pages_are_detected(text, encoding) -> None:
    assert clean(text.encode(encoding)).paragraphs == (text,)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_any_input_gives_an_article_or_a_cleaning_error(raw) -> None:
    try:
        art = clean(raw)
    except CleaningError as exc:
        assert str(exc) and "\n" not in str(exc)  # one clear line
        return
    assert art.paragraphs and all(p == p.strip() and p for p in art.paragraphs)
    assert art.title


@pytest.mark.parametrize(
    "html",
    [
        "<p>Only a fragment, but a real sentence about the harbour reopening.</p>",
        "<html><p>No body tag, yet the ferry service resumed on Monday morning.</p></html>",
        "<div>" * 400 + "Deeply nested text still counts as the article here." + "</div>" * 400,
    ],
)
def test_odd_markup_still_yields_the_text(html) -> None:
    art = clean(html, content_type="text/html")
    assert len(art.paragraphs) == 1 and art.paragraphs[0].endswith(
        ("Monday morning.", "here.", "reopening.")
    )
