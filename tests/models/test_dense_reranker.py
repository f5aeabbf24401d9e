"""The dense re-ranker and its self-alignment training, with the installed MiniLM (real weights, CPU, tiny scale)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialgraph.models.encoders import ENCODERS
from trialgraph.models.linking.benchmarks import _ranked
from trialgraph.models.linking.dense import CARD, DenseReranker, synonym_pairs, train_encoder
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

CONCEPTS = [
    LinkerConcept("MESH:D009203", "Myocardial Infarction", ("Heart Attack", "Cardiac Infarction", "MI"), ("C",)),
    LinkerConcept("MESH:D006331", "Heart Diseases", ("Cardiac Disease", "Heart Disorder"), ("C",)),
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", (), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", ("Dimethylbiguanidine", "Glucophage"), ("D",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder)
    return folder


@pytest.fixture(scope="module")
def minilm() -> DenseReranker:
    return DenseReranker(ENCODERS["minilm"].model_path())


def test_synonym_pairs_take_one_pair_per_concept_before_a_second(index: Path) -> None:
    kb = TfidfLinker(index).generator.kb
    pairs = synonym_pairs(kb, max_pairs=3, seed=0)
    names = {c.curie: {n.lower() for n in (c.name, *c.synonyms)} for c in CONCEPTS}
    owners = [next(curie for curie, known in names.items() if a in known and b in known) for a, b in pairs]
    assert len(pairs) == 3 and len(set(owners)) == 3 and all(a != b for a, b in pairs)  # three concepts, one each
    assert "MESH:D001249" not in owners  # one name only: nothing to pair
    assert pairs == synonym_pairs(kb, max_pairs=3, seed=0) != synonym_pairs(kb, max_pairs=3, seed=1)
    everything = synonym_pairs(kb, max_pairs=1000, seed=0)
    assert len(everything) == 6 + 3 + 1 + 3  # names per concept 4, 3, 2, 1, 3: C(n, 2) pairs each
    assert len(set(everything)) == len(everything)


def test_reranking_reorders_the_tfidf_candidates_and_never_adds_one(index: Path, minilm: DenseReranker) -> None:
    mention = "cardiac infarct"
    candidates = [("MESH:D006331", ("heart diseases", "cardiac disease")), ("MESH:D009203", ("myocardial infarction",))]
    assert minilm.rerank([mention], [candidates]) == [["MESH:D009203", "MESH:D006331"]]
    linker = TfidfLinker(index)
    texts = ["heart attack", "glucophage tablets", "asthma"]
    plain = _ranked(linker, texts, frozenset({"C", "D"}), 5)
    reranked = _ranked(linker, texts, frozenset({"C", "D"}), 5, minilm)
    assert [sorted(r) for r in reranked] == [sorted(p) for p in plain]  # the same candidates, reordered
    assert reranked[0][0] == "MESH:D009203" and reranked[1][0] == "MESH:D008687"
    assert minilm.name.startswith("dense-rerank-1+")


def test_training_writes_a_loadable_encoder_and_its_card(index: Path, tmp_path: Path) -> None:
    kb = TfidfLinker(index).generator.kb
    pairs = synonym_pairs(kb, max_pairs=8, seed=0)
    out = tmp_path / "encoder"
    card = train_encoder(ENCODERS["minilm"].model_path(), pairs, out, seed=0, batch_size=4, max_steps=2)
    assert card.steps == 2 and card.pairs == 8 and card.device == "cpu"
    assert card.first_loss is not None and card.last_loss is not None
    written = json.loads((out / CARD).read_text(encoding="utf-8"))
    assert written["pairs_hash"] == card.pairs_hash and written["seed"] == 0
    trained = DenseReranker(out)
    assert trained.name.endswith(card.pairs_hash)
    assert trained.rerank(["asthma"], [[("MESH:D006331", ("heart diseases",)), ("MESH:D001249", ("asthma",))]]) == [
        ["MESH:D001249", "MESH:D006331"]
    ]
