"""Any query string and any parameter values: the API answers 200 or a 4xx in the error shape."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

SYNTAX = list("\"()*?~^:[]{}-+\\/!&|<>='%#;") + ["AND", "OR", "NOT", "date:", "title:", " "]
query = st.one_of(
    st.text(max_size=120),
    st.lists(
        st.one_of(st.sampled_from(SYNTAX), st.sampled_from(["asylum", "myanmar", "2011"])),
        max_size=20,
    ).map("".join),
)
param = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 10_000).map(str))
FIXTURES = [HealthCheck.function_scoped_fixture]


def check_api(resp) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code in (200, 400), resp.data[:300]
    body = resp.get_json()
    if resp.status_code == 200:
        for result in body["results"]:
            for para in result["paragraphs"]:
                tags = BeautifulSoup(para["highlight"], "html.parser").find_all(True)
                assert all(t.name == "mark" for t in tags)
    else:
        assert set(body) == {"error"} and body["error"]["message"]


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(q=query)
def test_any_query_string(client, q):
    check_api(client.get("/api/search?" + urlencode({"q": q})))
    page = client.get("/search?" + urlencode({"q": q}))
    assert page.status_code in (200, 302)


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(page=param, per_page=param, sort=param, date_from=param, date_to=param, source=param)
def test_any_parameters(client, page, per_page, sort, date_from, date_to, source):
    params = {
        "q": "myanmar",
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "from": date_from,
        "to": date_to,
        "source": source,
    }
    resp = client.get(
        "/api/search?" + urlencode({k: v for k, v in params.items() if v is not None})
    )
    check_api(resp)


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURES)
@given(q=st.text(max_size=60))
def test_any_suggest_and_article_id(client, q):
    resp = client.get("/api/suggest?" + urlencode({"q": q}))
    assert resp.status_code in (200, 400)
    resp = client.get(
        "/api/articles/" + q.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
        if q.strip()
        else "/api/articles/x"
    )
    assert resp.status_code in (200, 404, 308)  # 308: "//" in the path is merged
