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


ORGANS = [
    *CONCEPTS[:2],
    LinkerConcept("MESH:D007680", "Kidney Neoplasms", ("Kidney Cancer", "Renal Cancer", "Kidney Tumor"), ("C",)),
    LinkerConcept("MESH:D008175", "Lung Neoplasms", ("Lung Cancer", "Pulmonary Neoplasms"), ("C",)),
    LinkerConcept("MESH:D008171", "Lung Diseases", ("Pulmonary Disease", "Lung Disorder"), ("C",)),
]


class Reversed:
    """A re-ranker that puts the TF-IDF order upside down: shows which choices the re-ranker is given."""

    name = "reversed"

    def rerank(self, mentions: list[str], candidates: list[list[tuple[str, tuple[str, ...]]]]) -> list[list[str]]:
        return [[curie for curie, _ in reversed(per)] for per in candidates]


@pytest.fixture(scope="module")
def organ_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("organs")
    build_index(ORGANS, folder)
    return folder


def test_the_reranker_decides_which_candidate_never_whether_and_exact_names_come_first(
    organ_index: Path, minilm: DenseReranker
) -> None:
    plain = TfidfLinker(organ_index, threshold=0.55)  # a tiny index scores lower than MeSH's: see test_tfidf_linker
    reranked = plain.reranked(minilm)
    texts = ["pulmonary cancer", "pulmonary tumour", "pulmonary disease", "kidney tumours", "cardiac diseases", "gout"]
    before, after = plain.link_many(texts, frozenset({"C"})), reranked.link_many(texts, frozenset({"C"}))
    # 3-grams prefer "pulmonary disease"; the encoder knows cancer and tumour are neoplasms
    assert [b and b.curie for b in before[:2]] == ["MESH:D008171", "MESH:D008171"]
    assert [a and a.curie for a in after[:2]] == ["MESH:D008175", "MESH:D008175"]
    assert [a is None for a in after] == [b is None for b in before]  # linked or not: TF-IDF's threshold alone
    for text, link in zip(texts, after, strict=True):  # every choice is a TF-IDF candidate with its own similarity
        if link is not None:
            (candidates,) = plain.generator([text], plain.k)
            scores = {c.concept_id: round(max(c.similarities), 4) for c in candidates}
            assert scores[link.curie] == link.score >= 0.55
    upside_down = plain.reranked(Reversed()).link_many(texts, frozenset({"C"}))
    assert upside_down[0] is not None and upside_down[0].curie == "MESH:D008175"  # the last of its two candidates
    # "pulmonary disease" names Lung Diseases exactly; Lung Neoplasms (0.605) is a candidate too, yet stays behind
    (candidates,) = plain.generator(["pulmonary disease"], plain.k)
    assert sum(1 for c in candidates if max(c.similarities) >= 0.55) == 2
    assert upside_down[2] is not None and upside_down[2].curie == "MESH:D008171"  # an exact name keeps precedence
    assert reranked.method_version == f"{plain.method_version}+rerank:{minilm.name}"
    assert plain.reranker is None  # reranked() leaves the linker it came from as it was
