"""`search-app search`: the same request checks as the web, and readers never create."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.cli import main
from search_app.pipeline import ingest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "index"
    ingest([str(SEEDS)], root)
    return root


def test_search_on_a_missing_index_exits_2_and_creates_nothing(tmp_path: Path, capsys) -> None:
    typo = tmp_path / "typo"
    assert main(["search", "asylum", "--index", str(typo)]) == 2
    assert "search-app ingest" in capsys.readouterr().err
    assert not typo.exists()
    assert main(["stats", "--index", str(typo)]) == 2


def test_search_takes_dates_and_page_size(index: Path, capsys) -> None:
    assert main(["search", "diplomat", "--index", str(index), "--per-page", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("id=") == 1
    code = main(["search", "diplomat", "--index", str(index), "--from", "1990", "--to", "1991"])
    assert code == 0 and capsys.readouterr().out.startswith("0 articles")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2019-02-30"], "February 2019 has 28 days"),
        (["--to", "2019-13"], "no month 13"),
        (["--from", "2020", "--to", "2019"], "reversed"),
        (["--sort", "newest", "--page", "0"], "at least 1"),
    ],
)
def test_bad_parameters_are_named(index: Path, capsys, args: list[str], message: str) -> None:
    # A bad option value is a usage error (2), as argparse's own are; a query
    # the parser refuses is 1.
    assert main(["search", "diplomat", "--index", str(index), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([""], 2, "Add the words to search for: search-app search 'asylum diplomat'."),
        (["diplomat", "--per-page", "abc"], 2, "--per-page must be a whole number, not 'abc'."),
        (["(diplomat"], 1, "The parenthesis at character 1 is never closed."),
    ],
)
def test_cli_messages_name_the_cli_s_own_options(
    index: Path, capsys, args: list[str], code: int, message: str
) -> None:
    assert main(["search", *args, "--index", str(index)]) == code
    err = capsys.readouterr().err
    assert message in err and "?q=" not in err and "'per_page'" not in err
