"""Retired concepts lead the linkers to their replacement, and are never chosen themselves."""

from __future__ import annotations

from typing import Any

from trialgraph.models.linking.current import current_concepts


def _row(
    curie: str, name: str, *synonyms: str, obsolete: bool = False, replaced_by: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "curie": curie,
        "vocabulary": "DOID",
        "name": name,
        "synonyms": list(synonyms),
        "obsolete": obsolete,
        "replaced_by": list(replaced_by),
    }


def test_a_retired_concept_s_names_go_to_its_replacement_and_it_is_left_out() -> None:
    rows = [
        _row("DOID:1", "obsolete Batten Turner congenital myopathy", "BTCM", obsolete=True, replaced_by=("DOID:2",)),
        _row("DOID:2", "congenital myopathy", "btcm"),  # the synonym is there already, in another case
        _row("DOID:3", "obsolete old name", obsolete=True, replaced_by=("DOID:4",)),  # a chain: 3 → 4 → 5
        _row("DOID:4", "obsolete middle name", obsolete=True, replaced_by=("DOID:5",)),
        _row("DOID:5", "current disease"),
        _row("DOID:6", "obsolete orphan", obsolete=True),  # no successor: gone
        _row("DOID:7", "obsolete loop a", obsolete=True, replaced_by=("DOID:8",)),  # a loop of retired ones: gone
        _row("DOID:8", "obsolete loop b", obsolete=True, replaced_by=("DOID:7",)),
        _row("DOID:9", "obsolete points outside", obsolete=True, replaced_by=("MONDO:1",)),  # not loaded: gone
    ]
    current = current_concepts(rows)
    assert [r["curie"] for r in current] == ["DOID:2", "DOID:5"]
    assert current[0]["synonyms"] == ["btcm", "Batten Turner congenital myopathy"]
    assert current[1]["synonyms"] == ["old name", "middle name"]
    assert rows[1]["synonyms"] == ["btcm"]  # the input rows are not changed


def test_without_retired_concepts_the_rows_are_the_same() -> None:
    rows = [_row("MESH:D1", "Asthma", "Asthmas"), _row("MESH:D2", "Gout")]
    assert current_concepts(rows) == rows
