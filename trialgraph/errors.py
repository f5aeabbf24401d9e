"""TrialGraph's exception tree: one root, one subclass per kind of failure.

TrialGraphError
 ├── ConfigError        settings missing or inconsistent (password, paths)
 ├── ServerError        the local Neo4j could not be provisioned, started or stopped
 ├── SourceError        an input file cannot be read at all
 │    └── ParseError    one record cannot be turned into a typed record (it is quarantined)
 ├── GraphError         Neo4j refused or is unreachable
 └── UnknownNameError   a registry lookup by a name that is not registered
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "GraphError",
    "ParseError",
    "QueryParameterError",
    "ServerError",
    "SourceError",
    "TrialGraphError",
    "UnknownNameError",
]


class TrialGraphError(Exception):
    """Root of every error TrialGraph raises on purpose; the CLI prints these as one line."""


class ConfigError(TrialGraphError):
    """Settings are missing or inconsistent."""


class ServerError(TrialGraphError):
    """The local Neo4j server could not be provisioned, started or stopped."""


class SourceError(TrialGraphError):
    """An input cannot be read at all (missing file, truncated archive)."""


class ParseError(SourceError):
    """One record cannot be parsed; carries a one-line reason for the quarantine file."""

    def __init__(self, reason: str, *, record_id: str | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.record_id = record_id
        self.field = field
        super().__init__(reason)


class GraphError(TrialGraphError):
    """Neo4j refused a statement or could not be reached."""


class QueryParameterError(TrialGraphError, ValueError):
    """A query was given a parameter it does not declare, lacks a required one, or got a value of the wrong type."""


class UnknownNameError(TrialGraphError, KeyError):
    """A name was looked up in a registry that does not hold it."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
