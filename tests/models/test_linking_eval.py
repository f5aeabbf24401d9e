"""The evaluation against NLM's indexing: gold read from the records, scores from linker output."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.loaders.ctgov.normalize import mesh_id
from trialgraph.models.linking.dictionary import ConceptNames, DictionaryLinker
from trialgraph.models.linking.evaluate import MeshDictionary, compare_with_nlm, read_studies

V2 = "ctgov/v2/studies.jsonl.gz"


@pytest.fixture(scope="module")
def raw_studies() -> list[dict]:
    with gzip.open(shared(V2), "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in itertools.islice(handle, 300)]


@pytest.fixture(scope="module")
def records(raw_studies: list[dict], tmp_path_factory: pytest.TempPathFactory) -> list:
    path = tmp_path_factory.mktemp("v2") / "sample.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in raw_studies), encoding="utf-8")
    return list(read_studies([path]))


def _direct_condition_ids(study: dict) -> set[str]:
    meshes = study.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])
    return {f"MESH:{mesh_id(m['id'])}" for m in meshes}


def _dictionary(names: list[ConceptNames]) -> MeshDictionary:
    return MeshDictionary(DictionaryLinker(names), {}, frozenset(n.curie for n in names), "test")


def test_an_empty_dictionary_misses_every_direct_nlm_term(raw_studies: list[dict], records: list) -> None:
    (result,) = compare_with_nlm(records, _dictionary([]), "conditions")
    indexed = [s for s in raw_studies if _direct_condition_ids(s)]
    assert result.source_format == "ctgov-v2"
    assert result.scores.items == len(indexed) > 100
    assert (result.scores.tp, result.scores.fp) == (0, 0)
    assert result.scores.fn == sum(len(_direct_condition_ids(s)) for s in indexed)
    assert result.studies_without_nlm_terms == len(raw_studies) - len(indexed)
    assert result.gold_unknown == result.scores.fn  # nothing is in an empty vocabulary


def test_a_dictionary_that_names_the_gold_scores_perfectly(raw_studies: list[dict], tmp_path: Path) -> None:
    # studies with one condition string and one direct term: that string names exactly that concept
    simple = [
        s
        for s in raw_studies
        if len(s["protocolSection"].get("conditionsModule", {}).get("conditions", [])) == 1
        and len(_direct_condition_ids(s)) == 1
    ]
    assert len(simple) > 20
    names = {}
    for s in simple:
        (curie,) = _direct_condition_ids(s)
        names.setdefault(curie, set()).add(s["protocolSection"]["conditionsModule"]["conditions"][0])
    concepts = [ConceptNames(c, "MESH", None, tuple(sorted(texts))) for c, texts in names.items()]
    path = tmp_path / "simple.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in simple), encoding="utf-8")
    records = list(read_studies([path]))
    (result,) = compare_with_nlm(records, _dictionary(concepts), "conditions")
    ambiguous = {t for c in concepts for t in c.synonyms if sum(t in o.synonyms for o in concepts) > 1}
    clean = [s for s in simple if s["protocolSection"]["conditionsModule"]["conditions"][0] not in ambiguous]
    assert result.scores.tp == len(clean) and result.scores.fp == 0
    assert result.scores.fn == len(simple) - len(clean)
