"""Cypher statements live in ``.cypher`` files shipped with the package; this module loads them by name."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trialgraph.errors import QueryParameterError, UnknownNameError

__all__ = [
    "QueryDoc",
    "QueryParam",
    "check_values",
    "describe",
    "load",
    "load_script",
    "named_queries",
    "parse_value",
    "query_names",
]

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


_NO_DEFAULT: Any = object()


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One declared parameter: ``// param: NAME TYPE [= DEFAULT]  description`` (DEFAULT is JSON, ``null`` too).

    A parameter without ``= DEFAULT`` is required; the default lives in the header only, never again in
    the Cypher, so every surface (API, CLI, Browser guide) applies the same one.
    """

    name: str
    type: str  # "string", "integer", "boolean", "list<string>"
    description: str
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


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

    def bind(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters to send: ``given`` checked against the header, optional ones defaulted.

        A mistyped name is an error (it would otherwise reach Cypher as null and quietly change the
        answer), and so are a missing required parameter and a value of the wrong type.
        """
        declared = {p.name: p for p in self.params}
        if unknown := sorted(set(given) - set(declared)):
            known = ", ".join(declared) or "none"
            raise QueryParameterError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}; its parameters: {known}"
            )
        bound: dict[str, Any] = {}
        for param in self.params:
            if param.name in given:
                bound[param.name] = _checked(self.name, param, given[param.name])
            elif param.required:
                raise QueryParameterError(
                    f"query {self.name!r} needs -p {param.name}=… ({param.type}: {param.description})"
                )
            else:
                bound[param.name] = param.default
        return bound

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
    params = [_param(name, spec) for spec in fields["param"]]
    return QueryDoc(
        name=name,
        title=" ".join(fields["title"]),
        purpose=" ".join(fields["purpose"]),
        params=tuple(params),
        example=" ".join(fields["example"]),
        body="\n".join(body).strip(),
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "list<string>": (list, tuple),
}
_INT64 = range(-(2**63), 2**63)


def _checked(query: str, param: QueryParam, value: Any) -> Any:
    if value is None:
        if param.required:
            raise QueryParameterError(f"query {query!r}: {param.name} is required and cannot be null")
        return None
    expected = _TYPES.get(param.type, (object,))
    wrong = not isinstance(value, expected) or (param.type == "integer" and isinstance(value, bool))
    if not wrong and param.type == "list<string>":
        wrong = not all(isinstance(item, str) for item in value)
        value = list(value)
    if wrong:
        raise QueryParameterError(f"query {query!r}: {param.name} must be of type {param.type}, got {value!r}")
    check_values({param.name: value})
    return value


def check_values(parameters: Mapping[str, Any]) -> None:
    """Refuse values Neo4j cannot take (integers beyond 64 bits, anywhere in lists and maps) in one line."""
    pending = list(parameters.items())
    while pending:
        name, value = pending.pop()
        if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
            raise QueryParameterError(f"parameter {name}: {value} does not fit in a 64-bit integer")
        if isinstance(value, Mapping):
            pending.extend((f"{name}.{key}", item) for key, item in value.items())
        elif isinstance(value, list | tuple):
            pending.extend((name, item) for item in value)


_PARAM_SPEC = re.compile(
    r"^(?P<name>\w+)\s+(?P<type>[\w<>]+)(?:\s*=\s*(?P<default>null|-?\d+|true|false|\"[^\"]*\"|\[[^\]]*\]))?"
    r"\s*(?P<text>.*)$"
)


def _param(query: str, spec: str) -> QueryParam:
    match = _PARAM_SPEC.match(spec)
    if match is None:
        raise UnknownNameError(f"query {query!r}: unreadable parameter header {spec!r}")
    default = json.loads(match["default"]) if match["default"] is not None else _NO_DEFAULT
    return QueryParam(match["name"], match["type"], match["text"].strip(), default)


@cache
def query_names() -> frozenset[str]:
    """The names in the query library (the shipped files never change while the process runs)."""
    return frozenset(
        entry.name.removesuffix(".cypher")
        for entry in resources.files(f"{_PACKAGE}.queries").iterdir()
        if entry.name.endswith(".cypher")
    )


def named_queries() -> dict[str, str]:
    """The query library in ``cypher/queries/``: name → title."""
    return {name: describe(name).title for name in sorted(query_names())}
