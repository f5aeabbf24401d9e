"""The typed description of the graph (``cypher/graph.toml``), read once into immutable kinds.

Why: the transactional writers (``cypher/write/*.cypher``) and the bulk importer (``kg/bulk.py``) build the
same graph by two routes. Property types used to be global name sets in the bulk path, so one name could not
have two types on two kinds and a new field had to be typed by hand. Now each node and relationship kind
states its key, identity and property types in one file: the bulk path takes its CSV column types from it,
and tests check the Cypher and a loaded graph against it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from trialgraph.errors import ConfigError

__all__ = ["EdgeKind", "GraphDescription", "NodeKind", "bulk_column_type", "graph_description"]

SHARED_LABELS = frozenset({"RecordFact"})
"""Labels that several kinds carry (every fact of a record); a node's kind is its other label."""

_BULK_TYPES = {
    "STRING": "",
    "INTEGER": "long",
    "FLOAT": "double",
    "BOOLEAN": "boolean",
    "LIST<STRING>": "string[]",
    "LIST<FLOAT>": "double[]",
    "LIST<INTEGER>": "long[]",
}
"""Neo4j value type → ``neo4j-admin import`` header type (empty: the importer's default, string)."""


@dataclass(frozen=True, slots=True)
class NodeKind:
    name: str
    labels: tuple[str, ...]
    key: str
    properties: Mapping[str, str]
    open_properties: str | None = None  # the type of any property the file does not list
    dynamic_label: bool = False  # also carries one label chosen at write time

    def property_type(self, name: str) -> str | None:
        return self.properties.get(name, self.open_properties)


@dataclass(frozen=True, slots=True)
class EdgeKind:
    type: str
    ends: tuple[tuple[str, str], ...]
    identity: tuple[str, ...]
    properties: Mapping[str, str]

    def property_type(self, name: str) -> str | None:
        return self.properties.get(name)


@dataclass(frozen=True, slots=True)
class GraphDescription:
    nodes: Mapping[str, NodeKind]
    edges: Mapping[str, EdgeKind]

    def kind_of(self, labels: Iterable[str]) -> NodeKind | None:
        """The node kind for a node's labels: its one label that names a kind and is not shared."""
        named = [label for label in labels if label in self.nodes and label not in SHARED_LABELS]
        return self.nodes[named[0]] if len(named) == 1 else None


def _node(name: str, entry: dict[str, object]) -> NodeKind:
    properties = dict(entry.get("properties", {}))  # type: ignore[call-overload]
    return NodeKind(
        name=name,
        labels=tuple(entry.get("labels", [name])),  # type: ignore[call-overload]
        key=str(entry["key"]),
        properties=MappingProxyType(properties),
        open_properties=entry.get("open_properties"),  # type: ignore[arg-type]
        dynamic_label=bool(entry.get("dynamic_label", False)),
    )


def _edge(name: str, entry: dict[str, object]) -> EdgeKind:
    return EdgeKind(
        type=name,
        ends=tuple((a, b) for a, b in entry["ends"]),  # type: ignore[attr-defined]
        identity=tuple(entry["identity"]),  # type: ignore[call-overload]
        properties=MappingProxyType(dict(entry.get("properties", {}))),  # type: ignore[call-overload]
    )


@cache
def graph_description() -> GraphDescription:
    """The description shipped with the package; a type it does not know is a configuration error."""
    text = resources.files("trialgraph.cypher").joinpath("graph.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    description = GraphDescription(
        nodes=MappingProxyType({name: _node(name, entry) for name, entry in data["node"].items()}),
        edges=MappingProxyType({name: _edge(name, entry) for name, entry in data["relationship"].items()}),
    )
    for kind in (*description.nodes.values(), *description.edges.values()):
        types = set(kind.properties.values()) | ({kind.open_properties} if isinstance(kind, NodeKind) else set())
        unknown = types - set(_BULK_TYPES) - {None}
        if unknown:
            raise ConfigError(f"cypher/graph.toml: unknown property type {sorted(unknown)[0]!r} on {kind}")
    return description


def bulk_column_type(kind: NodeKind | EdgeKind, name: str) -> str:
    """The importer's header type for one property of a kind ("" for strings).

    Raises:
        ConfigError: the property is not described, so the bulk path would have to guess its type.
    """
    value_type = kind.property_type(name)
    if value_type is None:
        label = kind.name if isinstance(kind, NodeKind) else kind.type
        raise ConfigError(f"bulk import: {label}.{name} is not in cypher/graph.toml; describe its type there")
    return _BULK_TYPES[value_type]
