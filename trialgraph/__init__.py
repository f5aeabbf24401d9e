"""TrialGraph: clinical trials, their vocabularies and papers in one Neo4j graph.

The public API is exactly ``__all__``: ``TrialGraph`` (connect, load, run_query, run_cypher, stats, dump),
``bulk_load``, ``compare_dumps``, ``evaluate_linking``, ``Settings`` and the error tree rooted at ``TrialGraphError``.
"""

__version__ = "0.1.0"

from trialgraph.api import DumpDifference, TrialGraph, bulk_load, compare_dumps, evaluate_linking
from trialgraph.errors import (
    ConfigError,
    GraphError,
    ParseError,
    QueryParameterError,
    ServerError,
    SourceError,
    TrialGraphError,
    UnknownNameError,
)
from trialgraph.settings import Settings, get_settings

__all__ = [
    "ConfigError",
    "DumpDifference",
    "GraphError",
    "ParseError",
    "QueryParameterError",
    "ServerError",
    "Settings",
    "SourceError",
    "TrialGraph",
    "TrialGraphError",
    "UnknownNameError",
    "__version__",
    "bulk_load",
    "compare_dumps",
    "evaluate_linking",
    "get_settings",
]
