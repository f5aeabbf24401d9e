"""``trialgraph load FILE`` without a source name: every source's own rules recognise its real files.

The rules live on the source classes (``detection``); ``loaders/detect.py`` only orders them. Each file here is
a real shared input (or a real file's first lines), detected by content or name, never by the folder it lies in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import discover
from trialgraph.loaders.detect import detect_source, ordered_rules

REAL_FILES = {
    "pubmed": "pubmed/hugheylab_pmparser/baseline/pubmed22n1114.xml.gz",
    "ictrp": "registries/ictrp/ictrp_full_export_sample.csv",
    "anzctr": "registries/anzctr/SYNTHETIC_anzctr_trials.xml",
    "isrctn": "registries/isrctn/isrctn_trials_ctrdata_json.jsonl",
    "ctgov": "ctgov/v2/studies.jsonl.gz",
    "mesh": "ontologies/mesh/mesh2022-core.nt.gz",
    "owl": "ontologies/doid/DO_cancer_slim.owl",
    "ctis": "registries/ctis/ctis_trials.jsonl",
    "euctr": "registries/euctr/euctr_ctrdata_json.jsonl",
    "obo": "ontologies/doid/doid.obo.gz",
    "sssom": "ontologies/mondo/sssom/mondo_exactmatch_mesh.sssom.tsv",
    "atc": "ontologies/atc/WHO_ATC-DDD_2026-04-25.csv",
    "intovalue": "links/intovalue/trials.csv.gz",
    "crossreg": "links/intovalue/registry-crossreg.csv",
}


# Sources a user must name: synthetic trials are never loaded by a guess (issue 23: no registry mix-up).
BY_NAME_ONLY = {"synthetic"}


def test_every_source_brings_its_own_detection_with_a_rank_of_its_own() -> None:
    sources = discover()
    detections = {name: sources.create(name).detection for name in sources.names()}
    assert set(detections) == set(REAL_FILES) | BY_NAME_ONLY, "a new source: add one of its real files above"
    assert all(detections[name] is None for name in BY_NAME_ONLY)
    detections = {name: d for name, d in detections.items() if name not in BY_NAME_ONLY}
    assert all(d is not None and d.rules for d in detections.values())
    ranks = [d.rank for d in detections.values() if d is not None]
    assert len(ranks) == len(set(ranks)), "equal ranks would make the order depend on names"


@pytest.mark.parametrize("source", sorted(REAL_FILES))
def test_a_real_file_of_each_source_is_detected_as_that_source(source: str) -> None:
    assert detect_source(shared(REAL_FILES[source])) == source


def test_a_synthetic_batch_is_never_guessed() -> None:
    batch = Path(__file__).resolve().parents[1] / "fixtures/synth/synthetic_trials_batch.jsonl"
    with pytest.raises(SourceError, match="name it: trialgraph load SOURCE"):
        detect_source(batch)


def test_generic_fallbacks_come_after_every_specific_rule(tmp_path: Path) -> None:
    """An ICTRP CSV is told by its ``TrialID`` column only when nothing more specific matches first."""
    names = [name for name, _ in ordered_rules()]
    assert names[-1] == "ictrp" and names.count("ictrp") == 2  # its own root element early, the column last
    plain = tmp_path / "export.csv"
    plain.write_text("TrialID,Public_title\nX1,A trial\n", encoding="utf-8")
    assert detect_source(plain) == "ictrp"
    study = tmp_path / "renamed.csv"  # a CT.gov JSON study that also mentions TrialID: the specific rule wins
    study.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT0", "TrialID": 1}}}\n')
    assert detect_source(study) == "ctgov"
