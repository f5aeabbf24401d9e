"""British spellings and generic concepts (issue 20): the rule table on its own, the stop list's file, and both
through the real offline linker built from the shared MeSH 2022 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import ConfigError
from trialgraph.link import Linker
from trialgraph.models.linking.dictionary import ConceptNames, DictionaryLinker
from trialgraph.models.linking.evaluate import LINKERS, MeshDictionary, mesh_dictionary
from trialgraph.models.linking.generic import generic_concepts, read_generic_concepts
from trialgraph.models.linking.spelling import RULES, american
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

BRITISH = {
    "diarrhoea": "diarrhea",
    "dyspnoea": "dyspnea",
    "anaemia": "anemia",
    "oedema": "edema",
    "lymphoedema": "lymphedema",
    "haemorrhage": "hemorrhage",
    "haematoma": "hematoma",
    "oesophagitis": "esophagitis",
    "gastro-oesophageal reflux": "gastro-esophageal reflux",
    "leukaemia": "leukemia",
    "ischaemic": "ischemic",
    "hypoglycaemia": "hypoglycemia",
    "tumour": "tumor",
    "tumours": "tumors",
    "behavioural": "behavioral",
    "paediatric": "pediatric",
    "orthopaedic": "orthopedic",
    "foetal": "fetal",
    "oestrogen": "estrogen",
    "anaesthesia": "anesthesia",
    "coeliac disease": "celiac disease",
    "faecal": "fecal",
    "caesarean section": "cesarean section",
    "sulphonylurea": "sulfonylurea",
    "apnoea": "apnea",
    "gonorrhoea": "gonorrhea",
    "randomised": "randomized",
    "hospitalisation": "hospitalization",
    "immunised": "immunized",
    "minimise": "minimize",
    "characterised": "characterized",
    "summarising": "summarizing",
    "analysed": "analyzed",
    "fibre": "fiber",
    "ageing": "aging",
    "hypoaesthesia": "hypoesthesia",
    "paraesthesia": "paresthesia",
    "melaena": "melena",
}
# Words the rules must leave alone: the ae/oe/-our/-ise look-alikes that are spelled so in both countries.
_UNCHANGED = (
    "aerosol toe toes shoe canoe poet poetry does foe oboe michael israel raphael graham academic "
    "four hour pour tour flour contour glamour your "
    "exercise promise compromise premise bruise cruise excise incise circumcise advise revise supervise surprise "
    "arise sunrise comprise enterprise expertise advertise otherwise wise noise raise praise anise denise malaise "
    "paradise franchise treatise precise concise "
    "lyse lysed analyses analysis dialysis paralysis tennis penis syphilis organism antagonist improvisation"
)
UNCHANGED = _UNCHANGED.split()


@pytest.mark.parametrize(("british", "us"), sorted(BRITISH.items()))
def test_british_spellings_become_american(british: str, us: str) -> None:
    assert american(british) == us
    assert american(us) == us  # American text is a fixed point: the rules run on both sides


# British compounds and the American compounds whose linking "o" meets the British digraph: one key for both
# (American compounds are not a fixed point: "gastroesophageal" holds "oesophag" by accident).
SAME_KEY = [
    ("gastrooesophageal reflux disease", "gastroesophageal reflux disease"),
    ("gastro-oesophageal reflux", "gastro-esophageal reflux"),
    ("pharyngooesophageal", "pharyngoesophageal"),
    ("tracheooesophageal fistula", "tracheoesophageal fistula"),
    ("angiooedema", "angioedema"),
    ("lymphoedema", "lymphedema"),
    ("phytooestrogens", "phytoestrogens"),
    ("oestradiol", "estradiol"),
]


@pytest.mark.parametrize(("british", "us"), SAME_KEY)
def test_british_and_american_compounds_meet_on_one_key(british: str, us: str) -> None:
    assert american(british) == american(us)
    assert american(american(us)) == american(us)  # the key is stable: respelling it again changes nothing


@pytest.mark.parametrize("word", UNCHANGED)
def test_words_spelled_alike_in_both_countries_are_untouched(word: str) -> None:
    assert american(word) == word


def test_each_rule_fires_on_its_own_example_and_rules_are_a_table() -> None:
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:
        british, us = (part.strip() for part in rule.example.split("→"))
        assert american(british) == us, rule.name
    assert american("") == ""


def test_exact_linker_compares_both_sides_in_american_spelling() -> None:
    linker = DictionaryLinker(
        [
            ConceptNames("MESH:D004487", "MESH", "Edema", ("Dropsy",)),
            ConceptNames("MESH:D006402", "MESH", "Hematologic Diseases", ()),
            ConceptNames("MESH:X1", "MESH", "Haemophilus Infections", ()),  # a British-looking name in the KB
        ]
    )
    assert [hit.curie for hit in linker.link("Oedema")] == ["MESH:D004487"]
    assert [hit.curie for hit in linker.link("Haematologic diseases")] == ["MESH:D006402"]
    assert [hit.curie for hit in linker.link("hemophilus infections")] == ["MESH:X1"]
    assert linker.link("Aerosol") == []


def test_an_index_built_by_an_older_method_is_refused_with_the_rebuild_command(tmp_path: Path) -> None:
    build_index([LinkerConcept("MESH:D004487", "Edema", (), ("C",))], tmp_path)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"tfidf-char3-2+', '"tfidf-char3-1+'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"another linker method \(tfidf-char3-1.*trialgraph link build-index"):
        TfidfLinker(tmp_path)


def test_the_stop_list_file_is_read_with_reasons_and_bad_lines_are_one_line_errors(tmp_path: Path) -> None:
    shipped = generic_concepts()
    assert {"MESH:D013812", "MESH:D013607"} <= shipped.curies  # Therapeutics, Tablets
    assert all(concept.why and concept.name for concept in shipped.concepts)
    assert shipped.version.startswith("generic-")
    good = tmp_path / "good.tsv"
    good.write_text("# comment\n\nMESH:D1\tThing\tbecause\n", encoding="utf-8")
    assert read_generic_concepts(good).curies == {"MESH:D1"}
    assert read_generic_concepts(good).version != shipped.version
    for bad, message in (
        ("MESH:D1\tThing\n", "line 1: expected CURIE, name and why"),
        ("D1\tThing\tbecause\n", "not a CURIE"),
    ):
        path = tmp_path / "bad.tsv"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            read_generic_concepts(path)
    with pytest.raises(ConfigError, match="cannot read the generic-concept list"):
        read_generic_concepts(tmp_path / "missing.tsv")


# ------------------------------------------------------------------ the real MeSH 2022 file

DIARRHEA, EDEMA, METFORMIN = "MESH:D003967", "MESH:D004487", "MESH:D008687"
INTERVENTION, ADVERSE_EVENT = frozenset({"D", "E"}), frozenset({"C", "F", "G"})  # kg/mentions.py's, written out


@pytest.fixture(scope="module")
def mesh() -> MeshDictionary:
    return mesh_dictionary([shared("ontologies/mesh/mesh2022-core.nt.gz")])


@pytest.fixture(scope="module")
def linker(mesh: MeshDictionary, tmp_path_factory: pytest.TempPathFactory) -> Linker:
    folder = tmp_path_factory.mktemp("mesh2022-index")
    build_index(mesh.concepts, folder, vocabulary_versions={"MESH": mesh.version or ""})
    return Linker(folder)


def test_british_event_terms_link_to_the_american_mesh_concepts(linker: Linker) -> None:
    assert "diarrhoea" not in {a.lower() for c in linker.tfidf.generator.kb.cui_to_entity.values() for a in c.aliases}
    found = linker.link_many(["Diarrhoea", "Oedema peripheral", "Diarrhea"], ADVERSE_EVENT)
    assert [(s.text, s.curie, s.score) for s in found[0]] == [("Diarrhoea", DIARRHEA, 1.0)]
    assert next((s.text, s.curie) for s in found[1]) == ("Oedema", EDEMA)
    assert [s.curie for s in found[2]] == [DIARRHEA]


def test_generic_concepts_alone_give_no_link_and_a_drug_beside_them_is_kept(linker: Linker) -> None:
    generic = generic_concepts()
    raw = linker.link_many(["treatment", "tablet", "Metformin tablets"], INTERVENTION)
    assert raw[0] and raw[1]  # the linker alone does name Therapeutics and Tablets: the stop list is what removes them
    kept = [[s.curie for s in generic.specific(spans)] for spans in raw]
    assert kept == [[], [], [METFORMIN]]


def test_the_evaluated_linkers_drop_generic_concepts(mesh: MeshDictionary) -> None:
    for name in ("exact", "tfidf"):
        link = LINKERS[name](mesh, [])
        assert link(["Treatment"], "interventions") == set(), name
        assert link(["Metformin"], "interventions") == {METFORMIN}, name
