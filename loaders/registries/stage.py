"""Staging for registry sources: parsed study records → ``Staged`` items for the batched writer.

Every registry parser yields ``StudyRecord``s (or rejections); this turns them into the writer's rows
the same way for all of them, so a new registry is a parser and a three-line loader class.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trialgraph.model import rows
from trialgraph.model.keys import record_id
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord

__all__ = ["stage_records"]


def stage_records(
    source: str, items: Iterable[tuple[StudyRecord | Quarantined, str]], *, load_run: str
) -> Iterator[Staged | Quarantined]:
    """``items``: (record or rejection, origin) pairs, as a registry parser yields them."""
    for item, origin in items:
        if isinstance(item, Quarantined):
            yield item
            continue
        digest = rows.content_hash(item)
        yield Staged(
            record_id=record_id(item.registry_id, source),
            version=item.last_update_date,
            precedence=rows.precedence(item),
            content_hash=digest,
            origin=origin,
            rows=rows.study_rows(item, digest=digest, origin=origin, load_run=load_run, source=source),
        )
