"""Records that carry the values their parser had to leave out, one line per value.

A parser that meets a value it cannot trust (a count written as "abc", a 23-digit enrollment, an unreadable
date) leaves it out and keeps the record: one bad field says nothing about the others. The line it writes
goes with the record to staging, which hands it to the writer as a field issue (a ``kind: field`` quarantine
entry). Registry parsers gather their lines explicitly (``loaders.registries.stage.FieldIssues``); CT.gov's
readers meet counts deep inside nested helpers, so they report through :func:`collecting_issues` instead of
threading a list through every helper.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from trialgraph.model.study import StudyRecord

__all__ = ["FlaggedRecord", "collecting_issues", "report_issue", "with_issues"]


@dataclass(frozen=True, slots=True)
class FlaggedRecord(StudyRecord):
    """A record its parser had to leave values out of, with one line per value left out.

    A subclass, not a ``StudyRecord`` field, so that records without issues serialise (and so hash) exactly
    as before: a new field on every record would change every content hash and rewrite every record.
    """

    issues: tuple[str, ...] = ()


def with_issues(record: StudyRecord, issues: Sequence[str | None]) -> StudyRecord:
    """``record`` carrying the non-empty lines of ``issues``; the plain record when there are none."""
    lines = tuple(line for line in issues if line)
    if not lines:
        return record
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    values["issues"] = tuple(getattr(record, "issues", ())) + lines
    return FlaggedRecord(**values)


_ISSUES: ContextVar[list[str] | None] = ContextVar("trialgraph_field_issues", default=None)


@contextmanager
def collecting_issues() -> Iterator[list[str]]:
    """The lines :func:`report_issue` writes while one record is parsed (per thread and task: parsing runs in
    worker processes and threads)."""
    lines: list[str] = []
    token = _ISSUES.set(lines)
    try:
        yield lines
    finally:
        _ISSUES.reset(token)


def report_issue(line: str) -> None:
    """Name a value left out of the record being parsed. Outside :func:`collecting_issues` (a helper called on
    its own, in a test) there is no record to attach it to, and the line is dropped with the value."""
    lines = _ISSUES.get()
    if lines is not None:
        lines.append(line)
