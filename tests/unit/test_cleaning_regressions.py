"""Failure types found on the extraction bench, pinned on small written pages."""

from __future__ import annotations

from search_app.cleaning import clean

SIDEBAR = (
    "<aside class='sidebar'><h3>人気記事</h3><ul>"
    + "".join(f"<li><a href='/p{i}'>関連する記事のタイトルその{i}です</a></li>" for i in range(8))
    + "</ul></aside>"
)


def test_japanese_paragraphs_count_as_prose() -> None:
    """CJK text has no spaces and few characters per sentence: it must still win as the body."""
    paragraphs = [
        "パソコンで電子書籍を読みたい時もあります。",
        "起動のショートカットキーが他のソフトと重なってしまいました。",
        "設定を変更して、問題を解決しました。手順は以下の通りです。",
        "まずスタートメニューからプログラムを探し、右クリックします。",
        "再起動すれば完了です。",
    ]
    html = (
        "<html><head><title>ショートカットキーの変更方法</title></head><body>"
        "<nav><a href='/'>ホーム</a> <a href='/about'>このブログについて</a></nav>"
        "<div class='entry'>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</div>"
        + SIDEBAR
        + "</body></html>"
    )
    art = clean(html.encode("utf-8"), url="https://blog.example.jp/entry")
    assert art.paragraphs == tuple(paragraphs)
    assert art.title == "ショートカットキーの変更方法"


def test_paywall_wrapper_holding_the_article_is_kept_and_modal_copy_dropped() -> None:
    """A "paywall" class on the second half of the body is a wrapper, not a sign-up box."""
    first = [
        "Shares of the retailer fell 4% in premarket trading after it cut its sales forecast "
        "for the year, citing a slowdown in spending on big home projects.",
        "The company reported earnings of $2.53 a share for the quarter, a cent above what "
        "analysts had expected, on revenue of $27.2 billion.",
    ]
    rest = [
        "“Our results reflected broad-based growth, yet sales were below our expectations,” "
        "the chief executive said in a statement released before the market opened.",
        "An analyst at a large investment bank said the market was misreading the results, "
        "which she described as a buying opportunity for long-term investors.",
        "Shares are still up about 40% this year, well ahead of the broader market over the "
        "same period, even after Tuesday's fall.",
    ]
    html = (
        "<html><body><article><h1>Retailer's stock falls after earnings</h1>"
        "<div class='article-body'>"
        + "".join(f"<p>{p}</p>" for p in first)
        + "<div class='paywall'>"
        + "".join(f"<p>{p}</p>" for p in rest)
        + "</div></div></article>"
        "<div class='modal share-email'><h2>Retailer's stock falls after earnings</h2>"
        f"<p>{first[0]}</p><form><label>To</label><input></form></div>"
        "<div class='newsletter'><p>Sign up for our markets newsletter and get the day's top "
        "stories in your inbox.</p></div>"
        "</body></html>"
    )
    art = clean(html)
    assert art.paragraphs == tuple(first + rest)  # once each: the modal's copy is not kept


def test_meal_plan_repeats_short_lines_per_day() -> None:
    """Short structured lines recur in real articles; only repeated prose is a duplicate."""
    day = (
        "<h3>Meal {n}</h3><p>Eat every 2–3 hours</p>"
        "<p>Portion Fix Containers: 1 Green, 1 Red, 1 Yellow, 1 tsp.</p>"
    )
    html = (
        "<html><body><div class='post-content'>"
        "<p>This week's plan keeps the same rhythm every day, so preparing the meals ahead of "
        "time on Sunday takes about an hour.</p>"
        + "".join(day.format(n=n) for n in (1, 2, 3))
        + "</div></body></html>"
    )
    art = clean(html)
    assert art.paragraphs.count("Eat every 2–3 hours") == 3
    assert art.paragraphs.count("Portion Fix Containers: 1 Green, 1 Red, 1 Yellow, 1 tsp.") == 3
    assert not [r for r in art.removed if r.category == "duplicate"]


def test_body_marker_wins_over_one_long_paragraph_inside_it() -> None:
    """A schedule as one long <p> plus short notes: the marked body keeps the notes too."""
    schedule = " ".join(
        f"Round {n}: {d} March – Circuit {n}." for n, d in enumerate(range(3, 30, 3))
    )
    html = (
        "<html><body><div class='articleBody'>"
        "<p>segunda-feira, 22 de janeiro de 2018 às 0:13</p>"
        "<h2>Race calendar 2018</h2>"
        f"<p>{schedule}</p>"
        "<p>* Dates may change at the organiser's request</p>"
        "<p>* Calendar published in January 2018</p>"
        "</div><div class='sidebar'><p>Most read this week on the site</p></div></body></html>"
    )
    art = clean(html)
    assert art.paragraphs == (
        "Race calendar 2018",
        schedule,
        "* Dates may change at the organiser's request",
        "* Calendar published in January 2018",
    )
    assert ("meta", "leading-dateline") in {(r.category, r.rule) for r in art.removed}


def test_link_lists_dropped_but_a_long_linked_sentence_kept() -> None:
    linked = (
        "The gray haze led to canceled flights, closed schools, and created a public health "
        "emergency that officials said could last for weeks if the winds did not change."
    )
    html = (
        "<html><body><div class='story'>"
        "<p>Air pollution in the capital reached its worst level of the year on Friday, "
        "according to the government's own monitoring stations.</p>"
        f"<p><a href='/haze'>{linked}</a></p>"
        "<p><a href='/a'>Read more: Smog season returns</a></p>"
        "<p>Doctors advised residents to stay indoors and to keep children home from school "
        "until the air cleared.</p>"
        "<p>Installation views of the new exhibit, photos © Example Studio, 2018</p>"
        "</div></body></html>"
    )
    art = clean(html)
    assert linked in art.paragraphs
    assert "Read more: Smog season returns" not in art.paragraphs
    assert len(art.paragraphs) == 3
    assert {r.rule for r in art.removed} >= {"caption-copyright-credit"}


ARTICLE_P = (
    "<p>The review found the game ambitious and mostly successful, though its combat takes "
    "a few hours to click and the map can be confusing.</p>"
    "<p>It goes on sale on Friday for consoles and computers, with a streaming version to "
    "follow early next year.</p>"
)


def test_title_metadata_escaped_twice_and_dashes_inside_headlines() -> None:
    html = (
        "<html><head><meta property='og:title' content='Jedi review &amp;#8211; shoots for "
        "the moon, lands among the stars'></head><body><article>"
        + ARTICLE_P
        + "</article></body></html>"
    )
    assert clean(html).title == "Jedi review – shoots for the moon, lands among the stars"


def test_dates_from_reportage_type_webpage_node_and_visible_dateline() -> None:
    from datetime import UTC, datetime

    reportage = (
        '<script type="application/ld+json">{"@type": "ReportageNewsArticle", '
        '"headline": "H", "datePublished": "2019-11-19T09:44:09+00:00"}</script>'
    )
    webpage = (
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage", '
        '"datePublished": "2019-11-19T09:44:09+00:00"}]}</script>'
    )
    dateline = "<p>November 19, 2019</p>"
    expected = datetime(2019, 11, 19, 9, 44, 9, tzinfo=UTC)
    for head, body in ((reportage, ""), (webpage, ""), ("", dateline)):
        html = f"<html><head>{head}</head><body><article>{body}{ARTICLE_P}</article></body></html>"
        published = clean(html).published
        assert published == (expected if body == "" else datetime(2019, 11, 19, tzinfo=UTC))
