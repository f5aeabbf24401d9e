"""Staging for registry sources: parsed study records → ``Staged`` items for the batched writer.

Every registry parser yields ``StudyRecord``s (or rejections); this turns them into the writer's rows
the same way for all of them, so a new registry is a parser and a three-line loader class.

A value a parser could not trust (a negative or non-numeric target size, an unreadable date: see
:class:`FieldIssues`) is left out of the record and named in a :class:`FlaggedRecord`'s ``issues``. Staging adds
the checks CT.gov records get (``check_study``: impossible dates, negative counts) and hands every line to the
writer as the staged item's ``issues``, which the quarantine files as ``kind: field`` entries. The record itself
still loads. A dropped date is never the record's version: the version is the first valid date of
``study_version``'s chain (the last-update date first, the registration date last).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from trialgraph.loaders.registries import normalize
from trialgraph.model import rows
from trialgraph.model.flagged import FlaggedRecord, with_issues
from trialgraph.model.keys import record_id
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord
from trialgraph.model.validate import check_study, study_version

__all__ = ["FieldIssues", "FlaggedRecord", "stage_records", "with_issues"]


class FieldIssues:
    """The lines for the values one mapping leaves out of one record, gathered as it reads them.

    Why a collector: a record has several dates, read deep inside each mapping's helpers; returning a (value, line)
    pair from every read would thread a list through all of them. ``record(...)`` then attaches the lines.
    """

    def __init__(self) -> None:
        self.lines: list[str | None] = []

    def date(self, field: str, value: str | None, formats: Sequence[str] = ()) -> str | None:
        """``normalize.date_or_issue``: the ISO date, or None with the line kept when the value is no date."""
        found, issue = normalize.date_or_issue(field, value, formats)
        self.lines.append(issue)
        return found

    def record(self, record: StudyRecord, *more: str | None) -> StudyRecord:
        """``record`` carrying these lines and ``more`` (:func:`with_issues`)."""
        return with_issues(record, [*self.lines, *more])


def stage_records(
    source: str, items: Iterable[tuple[StudyRecord | Quarantined, str]], *, load_run: str
) -> Iterator[Staged | Quarantined]:
    """``items``: (record or rejection, origin) pairs, as a registry parser yields them."""
    for item, origin in items:
        if isinstance(item, Quarantined):
            yield item
            continue
        record, checked = check_study(item)
        digest = rows.content_hash(record)
        yield Staged(
            record_id=record_id(record.registry_id, source),
            version=study_version(record),
            precedence=rows.precedence(record),
            content_hash=digest,
            origin=origin,
            rows=rows.study_rows(record, digest=digest, origin=origin, load_run=load_run, source=source),
            issues=tuple(getattr(record, "issues", ())) + checked,
        )
