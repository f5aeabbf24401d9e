"""``trialgraph query`` prints the graph's text as it is, and a refused statement in one line (issue 18).

The table is drawn by Rich, which reads ``[...]`` as markup: a value or column named ``[/x]`` (a closing tag
with no opening one) ended the command in a MarkupError traceback, and ``[red]x`` printed as ``x``. A Cypher
type error must stay one ``error:`` line, whatever text the server's message quotes.
"""

from __future__ import annotations

import neo4j
import pytest
from typer.testing import CliRunner

from trialgraph.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("RETURN '[/x]' AS s", "[/x]"),
        ("RETURN '[red]x[/red]' AS s", "[red]x[/red]"),
        ("RETURN 1 AS `[/col]`", "[/col]"),
        ("RETURN ['[/x]'] AS s", '["[/x]"]'),
    ],
)
def test_text_that_looks_like_markup_prints_as_it_is(graph: neo4j.Driver, statement: str, shown: str) -> None:
    result = runner.invoke(app, ["query", statement])
    assert result.exit_code == 0 and result.exception is None, repr(result.exception)
    assert shown in result.output


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("RETURN toString({a: 1}) AS s", "Type mismatch"),
        ("WITH '[/x]' AS t RETURN toString({a: t}) AS s", "Type mismatch"),
        ("RETURN `[/x]` AS s", "Variable `[/x]` not defined"),  # the server quotes the user's text
    ],
)
def test_a_cypher_type_error_is_one_error_line(graph: neo4j.Driver, statement: str, said: str) -> None:
    result = runner.invoke(app, ["query", statement])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # an uncaught error is no SystemExit
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: query refused: ") and said in lines[0], result.output
    assert "Traceback" not in result.output
