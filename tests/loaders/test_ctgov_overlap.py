"""The five studies in both the legacy XML subset and the v2 JSON data give equal records, field by field.

PROVENANCE section 5 lists the fields that agree between the February 2023 legacy snapshot and the
2024 v2 snapshot; both parsers must normalise them to identical values. Every other field of
``StudyRecord`` (nested records included) must be equal too, unless ``KNOWN_DIFFERENCES`` names it with the
reason the formats really differ there and a check that the difference is of exactly that kind.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import pytest

from tests.data import shared, v2_studies
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.study import StudyRecord
from trialgraph.model.text import collapse_whitespace

OVERLAP = {
    "NCT00000410": "NCT0000xxxx/NCT00000410.xml",
    "NCT00007696": "NCT0000xxxx/NCT00007696.xml",
    "NCT00492635": "NCT0049xxxx/NCT00492635.xml",
    "NCT00498680": "NCT0049xxxx/NCT00498680.xml",
    "NCT00499317": "NCT0049xxxx/NCT00499317.xml",
}


@lru_cache(maxsize=1)
def v2_raw() -> dict[str, dict]:
    out = {}
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            nct = raw["protocolSection"]["identificationModule"]["nctId"]
            if nct in OVERLAP:
                out[nct] = raw
    return out


@lru_cache(maxsize=1)
def legacy_raw() -> dict[str, bytes]:
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        return {nct: zf.read(member) for nct, member in OVERLAP.items()}


def _terms(record: StudyRecord, field: str) -> list[str]:
    return [m.term for m in getattr(record, field) if not m.ancestor]


def test_all_five_are_in_both() -> None:
    assert set(v2_raw()) == set(OVERLAP)
    assert set(legacy_raw()) == set(OVERLAP)


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_legacy_and_v2_agree(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert old.registry_id == new.registry_id == nct_id
    assert (old.source_format, new.source_format) == ("ctgov-xml", "ctgov-v2")
    assert old.brief_title == new.brief_title
    assert old.org_study_id == new.org_study_id
    assert old.overall_status == new.overall_status
    assert old.start_date == new.start_date and old.start_date is not None
    assert old.enrollment == new.enrollment and old.enrollment is not None
    assert old.conditions == new.conditions
    assert _terms(old, "condition_mesh") == _terms(new, "condition_mesh")
    assert _terms(old, "intervention_mesh") == _terms(new, "intervention_mesh")


def test_registration_date_is_the_first_submitted_date_in_every_record_that_carries_it() -> None:
    """Read by plain dict / XML access: v2 ``studyFirstSubmitDate``, legacy ``study_first_submitted``."""
    from lxml import etree

    checked = 0
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            submitted = raw["protocolSection"]["statusModule"].get("studyFirstSubmitDate")
            record = v2.parse_study(raw)
            assert record.registration_date == submitted, record.registry_id
            checked += submitted is not None
    assert checked > 1000
    checked = 0
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        for member in zf.namelist():
            if not member.endswith(".xml"):
                continue
            data = zf.read(member)
            submitted = etree.fromstring(data).findtext("study_first_submitted")
            record = parse_legacy(data)
            if submitted is not None:
                expected = datetime.strptime(submitted.strip(), "%B %d, %Y").date().isoformat()
                assert record.registration_date == expected, record.registry_id
                checked += 1
    assert checked > 3000


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_results_section(nct_id: str) -> None:
    """None of the five has posted results in either snapshot (checked here against the files themselves), so
    results parity rests on tests/loaders/test_ctgov_results.py: each format against its own files, and both
    formats' enumerations against one spelling. Real differences the formats have there: group ids ("O1" in
    legacy, "OG000" in v2), and ``reporting_status``, which legacy XML never states (``tested_non_inferiority`` only
    in its older files)."""
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert "resultsSection" not in v2_raw()[nct_id] and b"<clinical_results>" not in legacy_raw()[nct_id]
    assert (old.has_results, old.results) == (new.has_results, new.results) == (False, None)


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_registration_date(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert new.registration_date is not None and new.registration_date == old.registration_date


# Whole-record comparison.


class Known(NamedTuple):
    """A field where the two formats really differ: why, and a check that the difference is that and no more.

    ``check(legacy_value, v2_value, legacy_record, v2_record)``; ``studies`` limits the entry to some records.
    """

    reason: str
    check: Callable[[Any, Any, StudyRecord, StudyRecord], bool]
    studies: frozenset[str] | None = None


TEXT_BLOCK = (
    "text block layout: legacy XML hard-wraps at 99 columns, indents and marks list items '-'; v2 (Markdown) keeps a "
    "paragraph on one line and marks list items '*'; the words are equal (and the criteria items are equal)"
)
_BULLET_MARK = re.compile(r"(?m)^[ \t]*[-*][ \t]+")
VERSIONED = frozenset({"NCT00499317"})  # legacy last updated 2022-06-10, v2 2023-08-14: two versions of the record


def _text_block(old: str | None, new: str | None, *_: StudyRecord) -> bool:
    """Different as written, equal once the layout is set aside: whitespace runs and list-item marks."""
    if old is None or new is None or old == new:
        return False
    return collapse_whitespace(_BULLET_MARK.sub("", old)) == collapse_whitespace(_BULLET_MARK.sub("", new))


def _mesh_without_ids(old: tuple, new: tuple, *_: StudyRecord) -> bool:
    return (
        [m.term for m in old] == [m.term for m in new if not m.ancestor]
        and all(m.mesh_id is None and not m.ancestor for m in old)
        and all(m.mesh_id for m in new)
    )


def _derived_references(old: tuple, new: tuple, *_: StudyRecord) -> bool:
    return len(new) > len(old) and old == tuple(r for r in new if r.type != "DERIVED")


def _later_date(old: str | None, new: str | None, legacy: StudyRecord, v2_record: StudyRecord) -> bool:
    """A date of the v2 version is later, and so is the version itself."""
    return (legacy.last_update_date or "") < (v2_record.last_update_date or "") and (old or "") < (new or "")


def _contacts_removed(old: tuple, new: tuple, legacy: StudyRecord, v2_record: StudyRecord) -> bool:
    """The v2 version names fewer contacts, all of them as the legacy version named them."""
    return (legacy.last_update_date or "") < (v2_record.last_update_date or "") and set(new) < set(old)


KNOWN_DIFFERENCES: dict[str, Known] = {
    "source_format": Known(
        "names the format the record was read from",
        lambda old, new, *_: (old, new) == ("ctgov-xml", "ctgov-v2"),
    ),
    **{
        field: Known(TEXT_BLOCK, _text_block)
        for field in ("brief_summary", "detailed_description", "eligibility.study_population", "eligibility.text")
    },
    "condition_mesh": Known(
        "legacy <condition_browse> lists MeSH terms only: no descriptor ids and no ancestors", _mesh_without_ids
    ),
    "intervention_mesh": Known(
        "legacy <intervention_browse> lists MeSH terms only: no descriptor ids and no ancestors", _mesh_without_ids
    ),
    "details.last_update_submitted_qc_date": Known(
        "legacy <last_update_submitted_qc> (AACT last_update_submitted_qc_date) has no API v2 field",
        lambda old, new, *_: old is not None and new is None,
    ),
    "references": Known(
        "v2 adds DERIVED references (citations NLM links from PubMed); legacy XML has no DERIVED references",
        _derived_references,
    ),
    **{
        field: Known("the registrant updated the record between the two snapshots: later dates", _later_date, VERSIONED)
        for field in ("last_update_date", "details.status_verified_date", "details.last_update_submitted_date")
    },
    **{
        field: Known(
            "the registrant updated the record between the snapshots: backup contact removed",
            _contacts_removed,
            VERSIONED,
        )
        for field in ("central_contacts", "sites[].contacts")
    },
}


def _differences(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(field path, legacy value, v2 value) of each field that differs; nested records field by field, sequences of
    equal length item by item (the path says ``[]``), anything else as a whole."""
    if dataclasses.is_dataclass(old) and type(old) is type(new):
        for field in dataclasses.fields(old):
            yield from _differences(getattr(old, field.name), getattr(new, field.name), f"{path}.{field.name}")
    elif isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        for old_item, new_item in zip(old, new, strict=True):
            yield from _differences(old_item, new_item, f"{path}[]")
    elif old != new:
        yield path.removeprefix("."), old, new


@lru_cache(maxsize=1)
def _parsed() -> dict[str, tuple[StudyRecord, StudyRecord]]:
    return {
        nct: (parse_legacy(legacy_raw()[nct], expected_id=nct), v2.parse_study(v2_raw()[nct], expected_id=nct))
        for nct in sorted(OVERLAP)
    }


def _unexplained(nct_id: str) -> tuple[list[str], set[str]]:
    """Readable lines for the differences of one study the table does not explain, and the entries it used."""
    legacy, v2_record = _parsed()[nct_id]
    problems, used = [], set()
    for path, old, new in _differences(legacy, v2_record, ""):
        known = KNOWN_DIFFERENCES.get(path)
        if known is None or (known.studies is not None and nct_id not in known.studies):
            problems.append(f"{nct_id} {path}: not a known difference\n  legacy {old!r:.300}\n  v2     {new!r:.300}")
        elif not known.check(old, new, legacy, v2_record):
            problems.append(
                f"{nct_id} {path}: differs beyond '{known.reason}'\n  legacy {old!r:.300}\n  v2 {new!r:.300}"
            )
        else:
            used.add(path)
    return problems, used


def test_the_overlap_is_every_study_in_both_formats() -> None:
    """The five are computed here from the files, so a study added to both data sets cannot escape the comparison."""
    in_v2 = {raw["protocolSection"]["identificationModule"]["nctId"] for raw in v2_studies()}
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        in_legacy = {m.rsplit("/", 1)[-1].removesuffix(".xml") for m in zf.namelist() if m.endswith(".xml")}
    assert in_v2 & in_legacy == set(OVERLAP)
    assert all(member.endswith(f"/{nct}.xml") for nct, member in OVERLAP.items())


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_every_field_is_equal_or_a_known_difference(nct_id: str) -> None:
    problems, _ = _unexplained(nct_id)
    assert not problems, "\n".join(problems)


def test_every_known_difference_occurs_and_every_field_is_compared() -> None:
    """No stale table entry, and the walk reaches every field of StudyRecord (a field both formats leave empty in all
    five would be compared vacuously, so each top-level field must hold a value in at least one record)."""
    used: set[str] = set()
    for nct_id in OVERLAP:
        used |= _unexplained(nct_id)[1]
    assert set(KNOWN_DIFFERENCES) == used
    names = {f.name for f in dataclasses.fields(StudyRecord)}
    filled = {
        n for pair in _parsed().values() for record in pair for n in names if getattr(record, n) not in (None, ())
    }
    assert names - filled == EMPTY_IN_ALL_FIVE


EMPTY_IN_ALL_FIVE = frozenset(
    {
        "why_stopped",  # none of the five stopped early
        "nct_aliases",
        "results",  # none has posted results (see test_both_formats_give_the_same_results_section)
        "available_ipds",
        "large_documents",
        "pending_results",
        "countries",  # filled by the registry loaders, not by CT.gov parsers
        "canonical_id",
        "id_claims",
    }
)


# v2 free text is CommonMark; the record's text is what the registrant wrote.
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))


def test_no_v2_text_keeps_a_markdown_escape() -> None:
    """Counted by a regex of this test's own over every string of every parsed v2 record; the raw JSON does carry
    escapes (so the count of 0 means something)."""
    raw_records = parsed_escapes = 0
    for raw in v2_studies():
        raw_records += any(_ESCAPE.search(text) for text in _strings(raw))
        parsed_escapes += sum(len(_ESCAPE.findall(text)) for text in _strings(v2.parse_study(raw)))
    assert raw_records == 769  # 337 of them outside the eligibility criteria
    assert parsed_escapes == 0


def test_the_overlap_example_is_equal_in_both_formats() -> None:
    """NCT00498680: v2 writes "Viagra®50mg \\& Levitra®10mg", legacy "Viagra®50mg & Levitra®10mg"."""
    legacy, v2_record = _parsed()["NCT00498680"]
    assert "50mg \\& " in v2_raw()["NCT00498680"]["protocolSection"]["descriptionModule"]["briefSummary"]
    assert "Viagra®50mg & Levitra®10mg" in (v2_record.brief_summary or "")
    assert legacy.interventions == v2_record.interventions
    assert any("&" in (i.description or "") for i in v2_record.interventions)
