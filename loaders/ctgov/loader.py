"""The ``ctgov`` loader: ClinicalTrials.gov files (v2 JSON or legacy XML, any packaging) → staged records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from trialgraph.errors import ParseError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.ctgov import legacy, v2
from trialgraph.loaders.ctgov.read import DeferredItem, RawJson, RawStudy, Rejected, decode_json_unit, iter_raw
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.model import rows
from trialgraph.model.keys import record_id
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord
from trialgraph.model.validate import check_study, study_version
from trialgraph.settings import get_settings

__all__ = ["CtgovLoader", "parse_raw"]

_PARSERS: dict[str, Callable[..., StudyRecord]] = {
    "ctgov-v2": v2.parse_study,
    "ctgov-xml": legacy.parse_study,
}


def with_id_claims(record: StudyRecord) -> StudyRecord:
    """The registry ids a CT.gov record names for itself elsewhere: its secondary ids and its NCT aliases."""
    claims = claims_from_text(record.secondary_ids, evidence="secondary_id", own_id=record.registry_id)
    claims += claims_from_text(record.nct_aliases, evidence="nct_alias", own_id=record.registry_id)
    return replace(record, id_claims=claims) if claims else record


def parse_raw(raw: RawStudy) -> StudyRecord:
    """Parse one raw study with the parser for its format, with its id claims. Raises ParseError."""
    parser = _PARSERS[raw.format]
    try:
        return with_id_claims(parser(raw.payload, expected_id=raw.expected_id))
    except ParseError:
        raise
    except Exception as e:  # a parser bug must quarantine one record, not end the load
        raise ParseError(f"parser failed: {type(e).__name__}: {e}") from e


@SOURCES.register("ctgov")
class CtgovLoader:
    """ClinicalTrials.gov: API v2 JSON (single, array export, JSONL[.gz], zip) and legacy XML (file, dir, zip)."""

    name = "ctgov"
    graph_writer = "records"
    detection = Detection(rank=50, rules=(has("<clinical_study"), has('"protocolSection"')))
    source = rows.SOURCE
    write_order = rows.WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def __init__(self, *, contact_details: bool | None = None) -> None:
        """``contact_details``: store contacts' e-mail and phone; default ``Settings.store_contact_details``
        (``TRIALGRAPH_STORE_CONTACT_DETAILS``, off). Bulk workers build the loader by name, so they read the
        same setting from the environment they inherit."""
        self.contact_details = get_settings().store_contact_details if contact_details is None else contact_details

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        for item in iter_raw(paths):
            yield _stage_item(item, load_run, self.contact_details)

    def units(self, paths: Iterable[Path]) -> Iterator[DeferredItem]:
        """Cheap, picklable units in input order; ``stage_unit`` does the parsing (in a worker)."""
        return iter_raw(paths, defer_json=True)

    def stage_unit(self, unit: DeferredItem, *, load_run: str) -> list[Staged | Quarantined]:
        items = decode_json_unit(unit) if isinstance(unit, RawJson) else (unit,)
        return [_stage_item(item, load_run, self.contact_details) for item in items]


def _stage_item(item: RawStudy | Rejected, load_run: str, contact_details: bool = False) -> Staged | Quarantined:
    if isinstance(item, Rejected):
        return item  # the reader's Quarantined, with its truncated flag
    try:
        record = parse_raw(item)
    except ParseError as e:
        return Quarantined(origin=item.origin, reason=e.reason, record_id=e.record_id)
    record, checked = check_study(record)
    issues = tuple(getattr(record, "issues", ())) + checked  # what the parser left out, then what the checks did
    digest = rows.content_hash(record, contact_details=contact_details)
    return Staged(
        record_id=record_id(record.registry_id, rows.SOURCE),
        version=study_version(record),
        precedence=rows.precedence(record),
        content_hash=digest,
        origin=item.origin,
        rows=rows.study_rows(
            record, digest=digest, origin=item.origin, load_run=load_run, contact_details=contact_details
        ),
        issues=issues,
    )
