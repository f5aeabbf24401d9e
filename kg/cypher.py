"""Cypher statements live in ``.cypher`` files shipped with the package; this module loads them by name."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trialgraph.errors import UnknownNameError

__all__ = ["QueryDoc", "QueryParam", "describe", "load", "load_script", "named_queries", "parse_value"]

_PACKAGE = "trialgraph.cypher"


@cache
def load(name: str) -> str:
    """One statement from ``cypher/<name>.cypher`` (``queries/…`` names work too)."""
    folder, _, stem = name.rpartition("/")
    package = f"{_PACKAGE}.{folder.replace('/', '.')}" if folder else _PACKAGE
    try:
        text = resources.files(package).joinpath(f"{stem}.cypher").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as e:
        raise UnknownNameError(f"no Cypher file named {name!r}") from e
    return text.strip()


def load_script(name: str) -> list[str]:
    """A file of several statements separated by ``;`` at line ends (the schema)."""
    statements, current = [], []
    for line in load(name).splitlines():
        if line.strip().startswith("//") or not line.strip():
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


def parse_value(raw: str) -> Any:
    """A parameter value as typed on a command line: JSON when it parses (``5``, ``true``, ``["a"]``), else text."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


@dataclass(frozen=True, slots=True)
class QueryParam:
    name: str
    type: str  # "string", "integer"...
    description: str


@dataclass(frozen=True, slots=True)
class QueryDoc:
    """A library query's header: what it answers, its parameters and an example command.

    The header is the query's documentation for every surface at once (``trialgraph query --list``,
    the Browser guide, the README), so it is parsed rather than written again elsewhere.
    """

    name: str
    title: str
    purpose: str
    params: tuple[QueryParam, ...]
    example: str
    body: str

    def example_parameters(self) -> dict[str, str]:
        """The ``-p NAME=VALUE`` pairs of the example command, as typed (``parse_value`` reads them)."""
        words = shlex.split(self.example)
        pairs = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-p", "--param")]
        return dict(pair.split("=", 1) for pair in pairs)


_HEADER_FIELD = re.compile(r"^//\s*(title|purpose|param|example):\s*(.*)$")
_CONTINUATION = re.compile(r"^//\s{2,}(\S.*)$")


def describe(name: str) -> QueryDoc:
    """Parse the header of ``cypher/queries/<name>.cypher`` (``// title:``, ``// purpose:``, ``// param:``...)."""
    text = load(f"queries/{name}")
    fields: dict[str, list[str]] = {"title": [], "purpose": [], "param": [], "example": []}
    body: list[str] = []
    last: str | None = None
    for line in text.splitlines():
        if (match := _HEADER_FIELD.match(line)) is not None:
            last = match.group(1)
            fields[last].append(match.group(2).strip())
        elif last is not None and (more := _CONTINUATION.match(line)) is not None:
            fields[last][-1] += " " + more.group(1).strip()
        elif not line.startswith("//"):
            body.append(line)
    params = []
    for spec in fields["param"]:
        param_name, param_type, description = [*spec.split(None, 2), "", ""][:3]
        params.append(QueryParam(param_name, param_type, description))
    return QueryDoc(
        name=name,
        title=" ".join(fields["title"]),
        purpose=" ".join(fields["purpose"]),
        params=tuple(params),
        example=" ".join(fields["example"]),
        body="\n".join(body).strip(),
    )


def named_queries() -> dict[str, str]:
    """The query library in ``cypher/queries/``: name → title."""
    names = sorted(
        entry.name.removesuffix(".cypher")
        for entry in resources.files(f"{_PACKAGE}.queries").iterdir()
        if entry.name.endswith(".cypher")
    )
    return {name: describe(name).title for name in names}
