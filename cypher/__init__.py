"""Cypher files shipped with the package: ``schema.cypher``, ``write/`` statements, ``queries/`` library.

The query library by name, for Python users::

    from trialgraph import cypher
    text = cypher.load("trials_for_condition")        # the statement, header comments included
    doc = cypher.describe("trials_for_condition")     # title, purpose, parameters, example
"""

from __future__ import annotations

from trialgraph.kg.cypher import QueryDoc, named_queries
from trialgraph.kg.cypher import describe as _describe
from trialgraph.kg.cypher import load as _load

__all__ = ["QueryDoc", "describe", "load", "named_queries"]


def load(name: str) -> str:
    """A library query's text by name (``"trials_for_condition"``); ``write/…`` names reach write statements."""
    return _load(name if "/" in name else f"queries/{name}")


def describe(name: str) -> QueryDoc:
    """A library query's documented header: title, purpose, typed parameters, example command."""
    return _describe(name)
