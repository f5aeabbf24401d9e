"""Reading the linking corpora and scoring normalisation with the counting rules the module documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.models.linking.benchmarks import (
    GoldMention,
    evaluate_normalisation,
    long_forms,
    read_ncbi_disease,
    read_pubtator,
)
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

PUBTATOR = """\
1|t|Aspirin and asthma.
1|a|Abstract text.
1\t0\t7\tAspirin\tChemical\tD001241
1\t12\t18\tasthma\tDisease\tD001249
1\t20\t40\tbreast and ovarian cancer\tDisease\tD001943|D010051\tbreast cancer|ovarian cancer
1\t41\t50\tsomething\tDisease\t-1
1\t51\t60\tboth\tDisease\tD001943|D010051
1\tCID\tD001241\tD001249
"""

NCBI = """\
2|t|Title.
2\t0\t6\tasthma\tSpecificDisease\tD001249
2\t7\t20\tsome syndrome\tSpecificDisease\tOMIM:123456|D001249
2\t21\t40\tbreast and ovarian cancer\tCompositeMention\tD001943+D010051
2\t41\t50\tstrange\tModifier\tOMIM:999999
"""


def test_pubtator_splits_composites_with_parts_and_skips_ids_of_minus_one(tmp_path: Path) -> None:
    path = tmp_path / "c.PubTator.txt"
    path.write_text(PUBTATOR, encoding="utf-8")
    mentions = list(read_pubtator(path))
    assert [(m.text, m.entity_type, sorted(m.gold), m.composite) for m in mentions] == [
        ("Aspirin", "Chemical", ["MESH:D001241"], False),
        ("asthma", "Disease", ["MESH:D001249"], False),
        ("breast cancer", "Disease", ["MESH:D001943"], False),
        ("ovarian cancer", "Disease", ["MESH:D010051"], False),
        ("both", "Disease", ["MESH:D001943", "MESH:D010051"], True),
    ]


def test_ncbi_reads_alternatives_and_composites(tmp_path: Path) -> None:
    path = tmp_path / "ncbi.txt"
    path.write_text(NCBI, encoding="utf-8")
    mentions = list(read_ncbi_disease(path))
    assert [(sorted(m.gold), m.composite) for m in mentions] == [
        (["MESH:D001249"], False),
        (["MESH:D001249", "OMIM:123456"], False),
        (["MESH:D001943", "MESH:D010051"], True),
        (["OMIM:999999"], False),
    ]


def test_the_shared_ncbi_dev_set_has_every_mention_of_the_corpus() -> None:
    path = shared("benchmarks/linking/ncbi-disease/NCBIdevelopset_corpus.txt")
    mentions = list(read_ncbi_disease(path))
    assert len(mentions) == 787  # PROVENANCE.md: 100 abstracts, 787 mentions
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") >= 5]
    assert sum(m.composite for m in mentions) == sum(r[4] == "CompositeMention" or "+" in r[5] for r in rows)


def test_accuracy_counts_types_alternatives_composites_and_unreachable_gold(tmp_path: Path) -> None:
    concepts = [
        LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
        LinkerConcept("MESH:D001241", "Aspirin", ("Acetylsalicylic Acid",), ("D",)),
        LinkerConcept("MESH:D006973", "Hypertension", ("High Blood Pressure",), ("C",)),
    ]
    build_index(concepts, tmp_path)
    linker = TfidfLinker(tmp_path)
    mentions = [
        GoldMention("a", "asthmaa", "Disease", frozenset({"MESH:D001249"})),  # misspelt, still first
        GoldMention("a", "aspirin", "Disease", frozenset({"MESH:D001241"})),  # a drug is no disease: never ranked
        GoldMention("b", "high blood pressure", "Disease", frozenset({"OMIM:1", "MESH:D006973"})),  # alternative
        GoldMention("b", "odd", "Disease", frozenset({"OMIM:2"})),  # unreachable
        GoldMention("b", "asthma and hypertension", "Disease", frozenset({"MESH:D001249"}), composite=True),
        GoldMention("c", "acetylsalicylic acid", "Chemical", frozenset({"MESH:D001241"})),
    ]
    chemical, disease = evaluate_normalisation("toy", mentions, linker)
    assert (chemical.entity_type, chemical.at_1.correct, chemical.at_1.mentions) == ("Chemical", 1, 1)
    assert (disease.at_1.correct, disease.at_1.mentions, disease.at_5.correct) == (2, 4, 2)
    assert disease.at_1.accuracy == pytest.approx(0.5) and disease.at_1.items == 2
    assert (disease.composite_left_out, disease.unreachable) == (1, 1)


def test_short_forms_a_document_defines_are_looked_up_by_their_long_form_and_both_are_reported(
    tmp_path: Path,
) -> None:
    """BioSyn/SapBERT's abbreviation step: "VPA" is linked as "valproic acid" where its document defines it."""
    concepts = [
        LinkerConcept("MESH:D014635", "Valproic Acid", ("Valproate",), ("D",)),
        LinkerConcept("MESH:D014662", "Vasoactive Intestinal Peptide", ("VIP",), ("D",)),
        LinkerConcept("MESH:D009207", "Myoclonus", (), ("C",)),
    ]
    build_index(concepts, tmp_path)
    linker = TfidfLinker(tmp_path)
    documents = {
        "1": "Valproic acid (VPA) and juvenile myoclonic jerks (MJ). VPA stopped the MJ in ten patients.",
        "2": "VPA was given; no definition here.",
    }
    mentions = [
        GoldMention("1", "VPA", "Chemical", frozenset({"MESH:D014635"})),
        GoldMention("1", "MJ", "Disease", frozenset({"MESH:D009207"})),
        GoldMention("2", "VPA", "Chemical", frozenset({"MESH:D014635"})),
    ]
    results = evaluate_normalisation("toy", mentions, linker, defined=long_forms(documents))
    by = {(r.short_forms, r.entity_type): r for r in results}
    assert sorted(by) == [("as written", "Chemical"), ("as written", "Disease"), ("long form", "Chemical"),
                          ("long form", "Disease")]  # fmt: skip
    # as written, "VPA" is nearest to no valproate name; by its document's long form it is Valproic Acid
    assert by[("as written", "Chemical")].at_1.correct == 0
    assert (by[("long form", "Chemical")].at_1.correct, by[("long form", "Chemical")].rewritten) == (1, 1)
    # document 2 defines nothing, so its "VPA" stays as written and stays wrong
    assert by[("long form", "Chemical")].at_1.mentions == 2
    assert by[("as written", "Disease")].at_1.correct == 0
    assert (by[("long form", "Disease")].at_1.correct, by[("long form", "Disease")].rewritten) == (1, 1)
    # without the documents, only the figures as written
    assert {r.short_forms for r in evaluate_normalisation("toy", mentions, linker)} == {"as written"}
