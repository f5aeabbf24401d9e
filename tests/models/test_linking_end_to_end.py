"""End-to-end linking on the corpora: the linker finds the mentions itself, scored as concepts per document."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialgraph.errors import SourceError
from trialgraph.link import Linker
from trialgraph.models.linking.benchmarks import GoldMention
from trialgraph.models.linking.end_to_end import document_concepts, evaluate_end_to_end, read_documents
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

DOCUMENTS = """\
1|t|Aspirin and asthma in hypertension.
1|a|No more.
1\t0\t7\tAspirin\tChemical\tD001241
2|t|Ovarian neoplasms were studied.
3|t|Bronchial asthma.
"""


def _mention(document: str, kind: str, *ids: str, composite: bool = False) -> GoldMention:
    return GoldMention(document, "-", kind, frozenset(ids), composite)


GOLD = [
    _mention("1", "Chemical", "MESH:D001241"),
    _mention("1", "Disease", "MESH:D001249"),
    _mention("1", "Disease", "MESH:D001249"),  # named twice: one concept of the document
    _mention("2", "Disease", "MESH:D001943", "MESH:D010051", composite=True),  # breast and ovarian: two concepts
    _mention("2", "Disease", "OMIM:100000"),  # no vocabulary of ours holds it: a miss, counted apart
    _mention("3", "Disease", "OMIM:200000", "MESH:D001249"),  # alternatives: one concept, found by either
]


def test_documents_are_title_and_abstract(tmp_path: Path) -> None:
    path = tmp_path / "c.PubTator.txt"
    path.write_text(DOCUMENTS, encoding="utf-8")
    assert read_documents(path) == {
        "1": "Aspirin and asthma in hypertension. No more.",
        "2": "Ovarian neoplasms were studied.",
        "3": "Bronchial asthma.",
    }
    empty = tmp_path / "empty.txt"
    empty.write_text("1\t0\t7\tAspirin\tChemical\tD001241\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no title or abstract lines"):
        read_documents(empty)


def test_gold_concepts_keep_alternatives_together_and_composite_parts_apart() -> None:
    assert document_concepts(GOLD, "Disease") == {
        "1": {frozenset({"MESH:D001249"})},
        "2": {frozenset({"MESH:D001943"}), frozenset({"MESH:D010051"}), frozenset({"OMIM:100000"})},
        "3": {frozenset({"OMIM:200000", "MESH:D001249"})},
    }


def test_scores_count_found_missed_and_false_concepts_per_document(tmp_path: Path) -> None:
    concepts = [
        LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
        LinkerConcept("MESH:D001241", "Aspirin", ("Acetylsalicylic Acid",), ("D",)),
        LinkerConcept("MESH:D006973", "Hypertension", ("High Blood Pressure",), ("C",)),
        LinkerConcept("MESH:D001943", "Breast Neoplasms", ("Breast Cancer",), ("C",)),
        LinkerConcept("MESH:D010051", "Ovarian Neoplasms", ("Ovarian Cancer",), ("C",)),
    ]
    build_index(concepts, tmp_path / "index")
    linker = Linker.around(TfidfLinker(tmp_path / "index"))
    path = tmp_path / "c.PubTator.txt"
    path.write_text(DOCUMENTS, encoding="utf-8")
    chemical, disease = evaluate_end_to_end("c", read_documents(path), GOLD, linker.link_many)
    assert (chemical.entity_type, chemical.scores.tp, chemical.scores.fp, chemical.scores.fn) == ("Chemical", 1, 0, 0)
    # found: asthma (1), ovarian (2), asthma by its alternative (3); false: hypertension (1); missed: breast, OMIM (2)
    assert (disease.scores.tp, disease.scores.fp, disease.scores.fn) == (3, 1, 2)
    assert disease.scores.precision == pytest.approx(3 / 4) and disease.scores.recall == pytest.approx(3 / 5)
    assert disease.unreachable == 1 and disease.scores.items == 3
    assert {"document": "1", "missed": [], "false": ["MESH:D006973"]} in disease.examples
