"""The package's public surface and its registries."""

from __future__ import annotations

import importlib
import pkgutil

import trialgraph
import trialgraph.loaders
from trialgraph.api import source_names
from trialgraph.errors import UnknownNameError
from trialgraph.kg import cypher, embeddings, linking  # noqa: F401  (the graph-reading sources' writers register here)
from trialgraph.kg.load import load  # noqa: F401  (registers every file source's graph writer)
from trialgraph.kg.writer import GRAPH_WRITERS
from trialgraph.loaders.base import SOURCES, discover


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(trialgraph) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(trialgraph, name)).__name__ == "module"}
    assert set(trialgraph.__all__) - {"__version__"} == public - modules
    for name in trialgraph.__all__:
        assert hasattr(trialgraph, name)


SHARED_PACKAGES = {"concepts", "registries"}  # records and helpers that sources share; no source of their own


def test_every_source_package_registers_a_source() -> None:
    packages = {m.name for m in pkgutil.iter_modules(trialgraph.loaders.__path__) if m.ispkg} - SHARED_PACKAGES
    names = set(source_names())
    assert {"ctgov", "mesh", "obo", "owl", "sssom", "atc", "pubmed", "intovalue"} <= names
    for package in sorted(packages):
        module = importlib.import_module(f"trialgraph.loaders.{package}.loader")
        registered = {getattr(value, "name", None) for value in vars(module).values() if isinstance(value, type)}
        assert registered & names, f"trialgraph.loaders.{package}.loader registers no source"


def test_every_registered_name_creates_its_source_and_names_a_graph_writer() -> None:
    discover()
    for name in SOURCES.names():
        source = SOURCES.create(name)
        assert source.name == name
        assert source.graph_writer in GRAPH_WRITERS.names(), f"{name} names no registered graph writer"
    assert set(GRAPH_WRITERS.names()) == {
        "records",
        "concepts",
        "publications",
        "pairs",
        "condition-links",
        "embeddings",
        "synthetic-trials",
        "text-mentions",
    }


def test_unknown_loader_names_the_known_ones() -> None:
    try:
        discover().create("nope")
    except UnknownNameError as e:
        assert "ctgov" in str(e)
    else:
        raise AssertionError("no error for an unknown loader")


def test_every_write_statement_and_named_query_is_shipped() -> None:
    loader = discover().create("ctgov")
    for name in (*loader.write_order, *loader.delete_statements, "find_record_versions", "merge_load_run"):
        assert "$" in cypher.load(f"write/{name}")  # parameterised, never interpolated
    queries = cypher.named_queries()
    assert "trials_by_phase" in queries and all(queries.values())  # each has a description line
    assert len(cypher.load_script("schema")) >= 10
