"""Synthetic trials, the pure parts: the typed record, reply parsing, grounding, generation's bookkeeping, quality.

Generation is driven here by replies written into the test (a fixed reply per prompt kind), so every rejection
path is reached on purpose; the real model runs end to end in tests/kg/test_synth_trials_graph.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.model.phases import normalize_phase
from trialgraph.models.outcome.hint import read_hint
from trialgraph.models.synth.replies import reply_problem
from trialgraph.models.synth.trials.batch import run_batch, write_batch
from trialgraph.models.synth.trials.exemplars import (
    Exemplar,
    ExemplarPool,
    Seed,
    criteria_lines,
    exemplar_from_outcome,
)
from trialgraph.models.synth.trials.generation import (
    GenerationSettings,
    balanced_labels,
    generate_trials,
    parse_json_object,
    render_exemplar,
)
from trialgraph.models.synth.trials.quality import check_copies, label_consistency, realism
from trialgraph.models.synth.trials.records import SYNTHETIC_PREFIX, validate_design
from trialgraph.models.synth.trials.run import seeds_from_examples

DESIGN = {
    "title": "Metformin extended release in adults with type 2 diabetes on diet alone",
    "phase": "Phase 2",
    "conditions": ["Type 2 Diabetes Mellitus"],
    "interventions": [{"name": "metformin XR", "type": "DRUG"}, "placebo"],
    "arms": [{"label": "Metformin XR 1000 mg", "type": "EXPERIMENTAL"}, "Placebo"],
    "inclusion_criteria": ["Age 18 to 75 years", "HbA1c between 7.0% and 10.0%"],
    "exclusion_criteria": "eGFR below 45 mL/min/1.73m2",
    "primary_endpoints": ["Change in HbA1c from baseline to week 24"],
    "enrollment": 240,
}


def _exemplar(i: int, label: str, topic: str, phase: str = "PHASE2") -> Exemplar:
    return Exemplar(
        id=f"NCT0000000{i}",
        label=label,
        label_source="test labels",
        phase=phase,
        title=f"A study of {topic} number {i}",
        conditions=(topic,),
        interventions=("drug" + str(i),),
        arms=("A", "B"),
        inclusion=(f"adults with {topic}", "signed consent"),
        exclusion=("pregnancy",),
        primary_endpoints=("response at week 12",),
        enrollment=100 + 10 * i,
    )


POOL = ExemplarPool(
    [
        _exemplar(1, "success", "type 2 diabetes metformin"),
        _exemplar(2, "failure", "type 2 diabetes insulin"),
        _exemplar(3, "success", "asthma inhaled corticosteroid", phase="PHASE3"),
        _exemplar(4, "failure", "type 2 diabetes metformin", phase="PHASE3"),
    ],
    label_source="test labels",
)


# --- the record --------------------------------------------------------------------------------------------------


def test_a_valid_design_is_normalised_and_a_bad_one_names_its_first_problem() -> None:
    design, problem = validate_design(DESIGN)
    assert problem is None and design is not None
    assert design.phase == "PHASE2"
    assert [i.name for i in design.interventions] == ["metformin XR", "placebo"]
    assert design.exclusion_criteria == ["eGFR below 45 mL/min/1.73m2"]  # one string is one criterion
    assert [a.label for a in design.arms] == ["Metformin XR 1000 mg", "Placebo"]
    for broken, field in [
        ({**DESIGN, "enrollment": -3}, "enrollment"),
        ({**DESIGN, "phase": "Phase 9"}, "phase"),
        ({**DESIGN, "conditions": []}, "conditions"),
        ({k: v for k, v in DESIGN.items() if k != "title"}, "title"),
    ]:
        design, problem = validate_design(broken)
        assert design is None and problem is not None and problem.startswith(field), (field, problem)
    assert validate_design(["not", "an", "object"]) == (None, "not a JSON object (list)")


@pytest.mark.parametrize(
    ("text", "phase"),
    [("Phase 1", "PHASE1"), ("II/III", "PHASE2/PHASE3"), ("PHASE1/PHASE2", "PHASE1/PHASE2"), ("N/A", "NA")],
)
def test_phases_are_written_the_registry_way(text: str, phase: str) -> None:
    assert normalize_phase(text) == phase


# --- replies -----------------------------------------------------------------------------------------------------


def test_the_published_methods_reports_parse_despite_fences_and_trailing_prose() -> None:
    """The three Retrieval-Reasoning samples: one plain, two inside Markdown fences (one with an extra brace)."""
    lines = shared("benchmarks/trials/retrieval-reasoning/synthetic_report_samples.jsonl").read_text().splitlines()
    for line in lines:
        value, problem = parse_json_object(json.loads(line)["raw_text"])
        assert problem is None
        assert value["clinical_study"]["brief_title"]
    assert parse_json_object('Sure! {"title": "x", ') == (None, "Expecting property name enclosed in double quotes")
    assert parse_json_object("no json here") == (None, "no object")


def test_unusable_replies_are_named() -> None:
    assert reply_problem("", "timed out: 30 s") == "generator error: timed out"
    assert reply_problem("   ", None) == "empty reply"
    assert reply_problem("I'm sorry, but I cannot design a clinical trial.", None) == "refusal"
    assert reply_problem("the patients were given the drug " * 5, None) == "loop (repeated text)"
    assert reply_problem(json.dumps(DESIGN), None) is None


# --- grounding ---------------------------------------------------------------------------------------------------


def test_the_pool_ranks_by_topic_breaks_ties_by_phase_and_never_returns_the_seed() -> None:
    seed = Seed("success", condition="type 2 diabetes", intervention="metformin", phase="PHASE3")
    ranked = [e.id for e in POOL.nearest(seed, 4)]
    assert ranked[:2] == ["NCT00000004", "NCT00000001"]  # same words; the seed's phase first
    assert "NCT00000003" not in ranked  # shares no word with the seed
    excluded = Seed("success", condition="type 2 diabetes", intervention="metformin", trial_id="NCT00000004")
    assert "NCT00000004" not in [e.id for e in POOL.nearest(excluded, 4)]
    assert POOL.nearest(Seed("success", condition="glaucoma"), 3) == []


def test_hint_rows_become_exemplars_with_their_criteria_split_into_items() -> None:
    rows = read_hint(shared("benchmarks/trials/hint-outcome/phase_I_train.csv.gz"))
    first = exemplar_from_outcome(rows.examples[0], "hint")
    assert first.id == "NCT01381887" and first.label == "success" and first.phase == "PHASE1"
    assert first.conditions == ("diabetes mellitus, type 2",)
    assert len(first.inclusion) == 1 and first.inclusion[0].startswith("Patients with T2DM with inadequate")
    assert first.inclusion[0].endswith("are eligible for enrollment in the study.")  # wrapped lines rejoined
    assert first.exclusion[1] == "history of a severe hypoglycemic episode within 6 months before screening"
    text = (
        "Inclusion Criteria:\n\n  - meets none of the exclusion criteria below\n\nExclusion Criteria:\n\n  - pregnancy"
    )
    assert criteria_lines(text) == (("meets none of the exclusion criteria below",), ("pregnancy",))


# --- generation's bookkeeping --------------------------------------------------------------------------------------


def _scripted(design_replies: Sequence[str], rationale_replies: Sequence[str]):
    """A generator that answers design prompts and rationale prompts from two fixed lists, in order."""
    queues = {"design": list(design_replies), "rationale": list(rationale_replies)}

    def generate(chats, max_new_tokens):
        out = []
        for chat in chats:
            kind = "rationale" if "explain why" in chat[0]["content"] else "design"
            out.append((chat[-1]["content"] + queues[kind].pop(0), None))
        return out

    return generate


def test_every_seed_ends_kept_or_rejected_with_its_reason() -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]  # the model continues the prefill
    seeds = [Seed(lab, condition="type 2 diabetes", intervention="metformin") for lab in balanced_labels(6, 0)]
    seeds.append(Seed("success", condition="glaucoma"))  # no neighbour shares a word
    replies = [body, "Sure, here it is", body.replace('"enrollment": 240', '"enrollment": 0'), body, body, body]
    rationales = [
        "NCT00000001] enrolled similar adults and met its endpoint.",
        "NCT00000003] is cited but was never shown.",
        "the design looks fine.",  # after the prefill "Compared with [" this still cites nothing valid
        "I'm sorry, I cannot answer.",
    ]
    report = generate_trials(
        seeds,
        POOL,
        _scripted(replies, rationales),
        generator="scripted",
        generator_version="0",
        settings=GenerationSettings(),
    )
    assert report.attempted == 7
    assert report.schema_valid == 4  # the designs that validated, before the reasoning step
    assert len(report.kept) == 1
    assert report.rejected == {
        "seed has no labelled neighbours": 1,
        "invalid JSON": 1,
        "schema: enrollment": 1,
        "rationale cites a trial it was not shown": 1,
        "rationale cites no retrieved trial": 1,
        "rationale: refusal": 1,
    }
    kept = report.kept[0]
    assert kept.id.startswith(SYNTHETIC_PREFIX)
    assert kept.cited_trials == ["NCT00000001"] and set(kept.cited_trials) <= set(kept.provenance.grounded_on)
    assert kept.provenance.generator == "scripted" and kept.provenance.prompt_version.startswith("synth-trial-")
    assert kept.provenance.label_source == "test labels"


def test_a_batch_drops_repeats_and_copies_and_writes_only_what_it_kept(tmp_path: Path) -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]
    real = _exemplar(9, "success", "type 2 diabetes metformin")
    copy = {
        **DESIGN,
        "title": real.title,
        "inclusion_criteria": list(real.inclusion),
        "exclusion_criteria": list(real.exclusion),
        "primary_endpoints": list(real.primary_endpoints),
    }
    pool = ExemplarPool([*POOL.exemplars, real], label_source="test labels")
    seeds = [Seed("success", condition="type 2 diabetes", intervention="metformin")] * 3
    generate = _scripted([body, body, json.dumps(copy)[len('{"title": "') :]], ["NCT00000001] worked."] * 3)
    batch = run_batch(
        seeds, pool, generate, generator="scripted", generator_version="0", settings=GenerationSettings(spread=1)
    )
    assert len(batch.trials) == 1
    assert batch.report["generation"]["rejected"] == {}
    assert batch.report["dropped"] == {"repeat of another trial in the batch": 1, "copy of a real trial": 1}
    assert batch.report["copying"]["copied"][0]["real"] == real.id  # the copy is traced to the trial it copied
    generation = batch.report["generation"]
    assert generation["attempted"] == batch.report["kept"] + sum(generation["rejected"].values()) + 2
    out = tmp_path / "trials.jsonl"
    report_path = write_batch(batch, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [batch.trials[0].id]
    assert rows[0]["label"] == "success" and rows[0]["provenance"]["grounded_on"]
    assert json.loads(report_path.read_text())["copying"]["copies"] == 1


# --- quality -----------------------------------------------------------------------------------------------------


def test_copy_check_measures_containment_against_the_nearest_real_trials() -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]
    generate = _scripted([body], ["NCT00000001] worked."])
    report = generate_trials(
        [Seed("success", condition="type 2 diabetes", intervention="metformin")],
        POOL,
        generate,
        generator="scripted",
        generator_version="0",
        settings=GenerationSettings(),
    )
    (check,) = check_copies(report.kept, POOL)
    assert not check.is_copy and check.containment < 0.2
    assert check.nearest_real in {e.id for e in POOL.exemplars}


def test_realism_runs_the_two_sample_test_only_with_enough_trials_and_separates_different_ones() -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]
    seeds = [Seed("success", condition="type 2 diabetes", intervention="metformin")] * 12
    designs = [body.replace('"enrollment": 240', f'"enrollment": {5000 + i}') for i in range(12)]
    generate = _scripted(designs, ["NCT00000001] worked."] * 12)
    trials = generate_trials(
        seeds, POOL, generate, generator="s", generator_version="0", settings=GenerationSettings()
    ).kept
    assert len(trials) == 12
    few = realism(trials, POOL.exemplars)
    assert few["two_sample_auc"]["auc"] is None and few["real"] == 4
    reals = [_exemplar(i, "success", "type 2 diabetes") for i in range(12)]
    many = realism(trials, reals)
    # synthetic enrollments of ~5,000 against real ones of 100-210: the classifier must tell them apart
    assert many["two_sample_auc"]["auc"] > 0.9
    assert many["features"]["log_enrollment"]["ks"] == 1.0


def test_label_consistency_is_the_share_the_judge_agrees_with() -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]
    seeds = [Seed(lab, condition="type 2 diabetes", intervention="metformin") for lab in ("success", "failure")]
    generate = _scripted([body, body.replace("240", "241")], ["NCT00000001] worked."] * 2)
    trials = generate_trials(
        seeds, POOL, generate, generator="s", generator_version="0", settings=GenerationSettings()
    ).kept
    always_success = label_consistency(trials, lambda ts: [0.9] * len(ts), "always success")
    assert always_success["agreement"] == 0.5 and always_success["n"] == 2
    oracle = label_consistency(trials, lambda ts: [1.0 if t.label == "success" else 0.0 for t in ts], "oracle")
    assert oracle["agreement"] == 1.0


def test_seeds_from_a_trials_file_are_drawn_seeded_and_never_ground_on_their_own_row() -> None:
    rows = read_hint(shared("benchmarks/trials/hint-outcome/phase_I_train.csv.gz")).examples
    seeds = seeds_from_examples(rows, 10, seed=3)
    assert seeds == seeds_from_examples(rows, 10, seed=3) and seeds != seeds_from_examples(rows, 10, seed=4)
    assert sorted(s.label for s in seeds) == ["failure"] * 5 + ["success"] * 5
    by_id = {r.nct_id: r for r in rows}
    pool = ExemplarPool([exemplar_from_outcome(r, "hint") for r in rows], label_source="hint")
    for seed in seeds:
        row = by_id[seed.trial_id]
        assert seed.exclude == {row.nct_id} and seed.phase in ("PHASE1", "PHASE1/PHASE2")
        assert seed.condition and row.diseases[0] in seed.condition
        assert row.nct_id not in [e.id for e in pool.nearest(seed, 9)]
    assert [s.label for s in seeds_from_examples(rows, 4, "failure")] == ["failure"] * 4


def test_the_seed_trial_is_recorded_and_non_id_brackets_are_not_citations() -> None:
    body = json.dumps(DESIGN)[len('{"title": "') :]
    seeds = [Seed("success", condition="type 2 diabetes", intervention="metformin", trial_id="NCT09999999")] * 2
    generate = _scripted([body, body.replace("240", "250")], ["HbA1c] fell in [NCT00000001].", "PHASE2] only."])
    report = generate_trials(seeds, POOL, generate, generator="s", generator_version="0", settings=GenerationSettings())
    (kept,) = report.kept
    assert kept.cited_trials == ["NCT00000001"]  # [HbA1c] is a bracketed word, not a trial cited
    assert kept.provenance.seed_trial == "NCT09999999"
    assert report.rejected == {"rationale cites no retrieved trial": 1}


def test_exemplars_are_shown_as_json_in_the_reply_format_without_empty_fields() -> None:
    shown = render_exemplar(POOL.exemplars[0], max_criteria=1)
    header, body = shown.split("\n")
    assert header == "[NCT00000001] outcome: success"
    design = json.loads(body)
    assert design["interventions"] == [{"name": "drug1", "type": "DRUG"}]
    assert design["inclusion_criteria"] == ["adults with type 2 diabetes metformin"]  # cut to max_criteria
    assert validate_design(design)[1] is None  # the shown format is the format the reply is validated against
    sparse = render_exemplar(Exemplar(id="NCT1", label="failure", label_source="x", conditions=("asthma",)), 5)
    assert json.loads(sparse.split("\n")[1]) == {"conditions": ["asthma"]}


def test_a_phase_only_seed_gets_trials_of_that_phase() -> None:
    chosen = POOL.nearest(Seed("failure", phase="PHASE3"), 5)
    assert {e.id for e in chosen} == {"NCT00000003", "NCT00000004"}
    assert POOL.nearest(Seed("failure", phase="PHASE4"), 5) == []


def test_an_outcome_model_judges_label_consistency_from_the_fields_hint_gives(tmp_path: Path) -> None:
    """A real (small) outcome model: 60 HINT rows, MiniLM at 32 word pieces. The judge must score each synthetic
    trial exactly as the outcome model scores the same trial read through the outcome reader."""
    from tests.models.test_outcome import require_models
    from trialgraph.models.outcome.classifier import fit, load_model
    from trialgraph.models.outcome.embedding import EmbeddingCache
    from trialgraph.models.outcome.synthetic import synthetic_example
    from trialgraph.models.synth.trials.run import outcome_judge

    require_models()
    rows = read_hint(shared("benchmarks/trials/hint-outcome/phase_I_train.csv.gz")).examples[:60]
    cache = EmbeddingCache("minilm", max_tokens=32)
    fit(rows, cache).save(tmp_path / "model")
    body = json.dumps(DESIGN)[len('{"title": "') :]
    seeds = [Seed(lab, condition="type 2 diabetes", intervention="metformin") for lab in ("success", "failure")]
    generate = _scripted([body, body.replace("240", "241")], ["NCT00000001] worked."] * 2)
    trials = generate_trials(
        seeds, POOL, generate, generator="s", generator_version="0", settings=GenerationSettings()
    ).kept
    name, judge = outcome_judge(tmp_path / "model")
    scores = judge(trials)
    expected = load_model(tmp_path / "model").predict_proba([synthetic_example(t.as_row()) for t in trials], cache)
    assert scores == pytest.approx(list(expected)) and all(0.0 < s < 1.0 for s in scores)
    report = label_consistency(trials, judge, name)
    agree = sum((s >= 0.5) == (t.label == "success") for s, t in zip(scores, trials, strict=True))
    assert report["agreement"] == agree / 2 and str(tmp_path / "model") in report["judge"]
