"""Any string typed as a query gives results or a QueryError, never another exception."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.models import Article, Provenance, SearchRequest, StoredArticle
from search_app.present import highlight
from search_app.query import QueryError
from search_app.service import SearchService

pytestmark = pytest.mark.slow

SYNTAX = list("\"()*?~^:[]{}-+\\/!&|<>='")
WORDS = ["asylum", "diplomat", "AND", "OR", "NOT", "TO", "title", "source", "date", "exact", "2011"]
query_text = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.just(" ")), max_size=25
    ).map("".join),
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("prop-index")
    idx = ParagraphIndex.open(root, create=True)
    with idx.writer() as w:
        for n, (title, text) in enumerate(
            [
                ("Diplomat seeks asylum", "The diplomat is seeking asylum in the United States."),
                (
                    "Embassy <b>news</b>",
                    'A <script>alert("x")</script> paragraph about asylum & more.',
                ),
            ]
        ):
            w.put_article(
                StoredArticle(
                    id=f"a{n}",
                    key=f"a{n}",
                    article=Article(
                        title=title,
                        paragraphs=(text,),
                        published=datetime(2011, 7, n + 1, tzinfo=UTC),
                        source="CNN",
                    ),
                    provenance=Provenance(
                        "mem",
                        datetime.now(UTC),
                        "text/plain",
                        hashlib.sha256(text.encode()).hexdigest(),
                        "t",
                    ),
                    fingerprints=(f"f{n}",),
                )
            )
    return SearchService(root)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=query_text)
def test_any_query_gives_results_or_a_query_error(service, q):
    try:
        page = service.search(SearchRequest(q))
    except QueryError as exc:
        assert exc.message and "Traceback" not in exc.message
        return
    for result in page.results:
        for para in result.paragraphs:
            soup = BeautifulSoup(para.highlight, "html.parser")
            assert all(tag.name == "mark" for tag in soup.find_all(True))


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=400),
    terms=st.frozensets(st.sampled_from(["asylum", "a", "script", "b", "x"])),
)
def test_highlight_output_is_text_and_marks_only(text, terms):
    html, plain = highlight(text, terms, fragment_chars=120)
    soup = BeautifulSoup(html, "html.parser")
    assert all(tag.name == "mark" for tag in soup.find_all(True))
    # What is shown, marks removed, is the plain fragment.
    assert soup.get_text() == plain
