"""The typed graph description (cypher/graph.toml) against the Cypher that writes the graph and the bulk headers.

Each check reads the real files: a label, key, MERGE identity or constraint that drifts from the description
fails here, and ``tests/kg/test_graph_description_graph.py`` checks a loaded graph's property types.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from trialgraph.errors import ConfigError
from trialgraph.kg.bulk import _header
from trialgraph.kg.graph_description import SHARED_LABELS, NodeKind, bulk_column_type, graph_description

DESCRIPTION = graph_description()

_NODE_PATTERN = re.compile(r"\b(MERGE|CREATE) \(\w+((?::\w+)+) \{([^}]*)\}\)")
_EDGE_PATTERN = re.compile(r"\b(MERGE|CREATE) \(\w*\)-\[\w*:(\w+)(?: \{([^}]*)\})?\]->\(\w*\)")
_CONSTRAINT = re.compile(r"FOR \(\w+:(\w+)\) REQUIRE \w+\.(\w+) IS UNIQUE")


def _write_statements() -> dict[str, str]:
    folder = resources.files("trialgraph.cypher").joinpath("write")
    return {
        entry.name: entry.read_text(encoding="utf-8") for entry in folder.iterdir() if entry.name.endswith(".cypher")
    }


def _keys(properties: str | None) -> tuple[str, ...]:
    return tuple(sorted(part.split(":")[0].strip() for part in properties.split(","))) if properties else ()


def _constraints() -> set[tuple[str, str]]:
    text = resources.files("trialgraph.cypher").joinpath("schema.cypher").read_text(encoding="utf-8")
    return set(_CONSTRAINT.findall(text))


def test_every_node_written_by_cypher_is_a_described_kind_with_its_labels_and_key() -> None:
    seen = 0
    for name, text in _write_statements().items():
        for verb, labels, properties in _NODE_PATTERN.findall(text):
            labels_written = tuple(label for label in labels.split(":") if label)
            kind = DESCRIPTION.kind_of(labels_written)
            assert kind is not None, f"{name}: {labels_written} is no kind in cypher/graph.toml"
            assert set(labels_written) == set(kind.labels), f"{name}: {labels_written} vs {kind.labels}"
            keys = _keys(properties)
            if verb == "MERGE":
                assert keys == (kind.key,), f"{name}: MERGE on {keys}, but {kind.name}'s key is {kind.key}"
            else:
                assert kind.key in keys, f"{name}: CREATE of {kind.name} without its key {kind.key}"
            seen += 1
    assert seen > 40  # the pattern still finds the statements


def test_every_relationship_written_by_cypher_is_described_with_its_merge_identity() -> None:
    seen = 0
    for name, text in _write_statements().items():
        for verb, rel_type, properties in _EDGE_PATTERN.findall(text):
            edge = DESCRIPTION.edges.get(rel_type)
            assert edge is not None, f"{name}: {rel_type} is not in cypher/graph.toml"
            if verb == "MERGE":
                assert _keys(properties) == tuple(sorted(edge.identity)), f"{name}: {rel_type} MERGE identity"
            else:
                assert edge.identity == (), f"{name}: {rel_type} is created, so it has no MERGE identity"
            seen += 1
    assert seen > 40


def test_each_kind_key_has_a_uniqueness_constraint_and_each_constraint_a_kind() -> None:
    constraints = _constraints()
    described = {(kind.labels[0], kind.key) for kind in DESCRIPTION.nodes.values()}
    assert described == constraints
    for kind in DESCRIPTION.nodes.values():
        assert kind.key in kind.properties, f"{kind.name}'s key {kind.key} has no type"
    for edge in DESCRIPTION.edges.values():
        for start, end in edge.ends:
            assert start in DESCRIPTION.nodes and end in DESCRIPTION.nodes, f"{edge.type} joins unknown kinds"
        assert set(edge.identity) <= set(edge.properties), f"{edge.type}: identity properties need types"


@pytest.mark.parametrize(
    ("value_type", "suffix"),
    [
        ("INTEGER", ":long"),
        ("BOOLEAN", ":boolean"),
        ("FLOAT", ":double"),
        ("LIST<STRING>", ":string[]"),
        ("STRING", ""),
    ],
)
def test_bulk_headers_take_every_type_from_the_description(value_type: str, suffix: str) -> None:
    """Every described property of the kinds the bulk importer writes gets its column type from the file."""
    checked = 0
    for file_name, kind in _bulk_files():
        names = [p for p, t in kind.properties.items() if t == value_type]
        if not names:
            continue
        header = _header(file_name, names)
        assert header == [f"{p}{suffix}" for p in names], file_name
        checked += len(names)
    assert checked > 0


def test_one_name_may_have_two_types_on_two_kinds() -> None:
    """``evidence`` is a string on a claim and a list on a record's trial edge: per kind, not per name."""
    assert _header("rels-CLAIMS-RegistryRecord-TrialId", ["evidence"]) == ["evidence"]
    assert _header("rels-RECORD_OF-RegistryRecord-Trial", ["evidence"]) == ["evidence:string[]"]


def test_an_undescribed_property_stops_the_bulk_path_with_one_line() -> None:
    with pytest.raises(ConfigError, match=r"RegistryRecord\.not_a_field is not in cypher/graph.toml"):
        _header("nodes-RegistryRecord-RegistryRecord", [":ID", "not_a_field"])
    record = DESCRIPTION.nodes["RegistryRecord"]
    with pytest.raises(ConfigError):
        bulk_column_type(record, "not_a_field")


def _bulk_files() -> list[tuple[str, NodeKind]]:
    """The node CSV names the bulk importer writes, as (file name, kind): family-kind for each kind it knows."""
    from trialgraph.kg.bulk import _SPACE

    files = []
    for kind in DESCRIPTION.nodes.values():
        family = next((label for label in kind.labels if label in _SPACE), None)
        if family is not None:
            files.append((f"nodes-{family}-{kind.name}", kind))
    assert {kind.name for _, kind in files} >= {"RegistryRecord", "Trial", "OutcomeAnalysis", "ResultGroup"}
    assert all(kind.labels[0] in SHARED_LABELS or kind.labels == (kind.name,) for _, kind in files)
    return files
