"""Task builders: trial facts -> task items in TrialPanorama's record formats, one builder per task, registered.

Every builder is a pure, deterministic function of the facts, the split and a seed. Multiple-choice distractors
come from *similar* trials (most shared condition headings, then same phase), never from the item's own twin
group, and a training item's distractors come only from training trials, so no test trial's text reaches the
training set. Option order is a seeded shuffle of the item id, so the answer letter carries no signal.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trialgraph.model.phases import PHASES, normalize_phase
from trialgraph.models.tasks.diagnosis import TASK as DIAGNOSIS_TASK
from trialgraph.models.tasks.diagnosis import DiagnosisInputs, build_diagnosis
from trialgraph.models.tasks.eligibility import (
    CRITERION_TASK,
    TREC_TASK,
    build_criterion_violated,
    build_patient_eligibility,
    build_trec_eligibility,
)
from trialgraph.models.tasks.eligibility import SYNTHETIC_TASK as ELIGIBILITY_TASK
from trialgraph.models.tasks.evidence import EvidencePrompt, build_evidence_summary
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.items import BuildResult, TaskItem
from trialgraph.models.tasks.knowledge import KNOWLEDGE_BUILDERS, KnowledgeInputs
from trialgraph.models.tasks.results_evidence import TASK as RESULTS_TASK
from trialgraph.models.tasks.results_evidence import ResultComparison, build_results_evidence
from trialgraph.models.tasks.screening import TASK as SCREENING_TASK
from trialgraph.models.tasks.screening import build_screening
from trialgraph.models.tasks.search import TASK as SEARCH_TASK
from trialgraph.models.tasks.search import build_search
from trialgraph.models.tasks.splits import SIDES, Split

if TYPE_CHECKING:
    from trialgraph.models.retrieval.evaluate import Cohort

__all__ = ["TASKS", "BuildResult", "TaskInputs", "TaskItem", "TaskSpec", "build_task", "task_names", "task_query"]

LETTERS = "ABCD"
OPTIONS = 4
NO_TRIAL_CONTEXT = "none: the item shows its trial's criteria itself (--context graph adds nothing)"
MAX_OPTION_CHARS = 400
CRITERIA_PER_OPTION = 3
CANDIDATES_SCANNED = 500  # per condition heading: a very common heading does not make each item scan the pool
FALLBACK_SAMPLE = 50  # trials sampled (seeded) to fall back on when too few share a heading
SHORTLIST = 20  # most similar candidates among which the distractors are the ones as close to the question as the
# answer is (word overlap), so that the option sharing the most words with the question is no tell


@dataclass(frozen=True, slots=True)
class TaskInputs:
    """Everything a builder may read: the graph's trials and their split, the stop-reason labels, the Evidence
    Inference prompts (``None`` when that benchmark is not available), and the seed."""

    trials: Sequence[TrialFacts]
    split: Split
    stop_reasons: Mapping[str, str] = field(default_factory=dict)
    evidence: Sequence[EvidencePrompt] | None = None
    seed: int = 0
    evidence_skipped: Mapping[str, int] = field(default_factory=dict)
    context_trials: Mapping[str, Sequence[str]] = field(default_factory=dict)  # trial id -> its context's trials
    knowledge: KnowledgeInputs | None = None  # the loaded vocabularies' concepts (``None``: not read)
    patients: DiagnosisInputs | None = None  # synthetic patient notes and their conditions' names (None: none given)
    comparisons: Mapping[str, Sequence[ResultComparison]] | None = None  # posted results' analyses (None: not read)
    cohorts: Sequence[Cohort] | None = None  # TREC CT patients and judgements (None: not found)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A registered task: ``kind`` chooses its prompt parser and metric (mcq, sample_size, completion)."""

    name: str
    kind: str
    description: str
    build: Callable[[TaskInputs], BuildResult]
    source: str = "trials"  # built from: trials (graph), evidence (a benchmark), ontologies (graph), patients (a file),
    # cohorts (TREC CT patients, a benchmark)
    graph_context: str | None = None  # why ``--context graph`` adds nothing, for items that get no trial context


def _cut(text: str | None, limit: int = MAX_OPTION_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _design_lines(t: TrialFacts, *, interventions: bool = True) -> list[str]:
    """What a designer knows before the answer: title, conditions, interventions and design fields."""
    design = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("allocation", t.allocation),
            ("model", t.intervention_model or t.observational_model),
            ("masking", t.masking),
            ("purpose", t.primary_purpose),
        )
        if value
    )
    lines = [
        f"Title: {_cut(t.official_title or t.title)}",
        f"Study type: {t.study_type or 'unknown'}; phase: {t.phase or 'not applicable'}",
        f"Conditions: {'; '.join(t.conditions) or 'not stated'}",
    ]
    if interventions:
        lines.append(f"Interventions: {'; '.join(t.interventions) or 'not stated'}")
    if design:
        lines.append(f"Design: {design}")
    return lines


def task_query(t: TrialFacts) -> str:
    """The text a trial's graph context is retrieved with: its title and conditions. Not its interventions,
    which the arm-design question hides (arm labels name them)."""
    return " ".join([t.title or "", *t.conditions]).strip()


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _normalized(text: str) -> str:
    return " ".join(text.lower().split())


# --- multiple choice -----------------------------------------------------------------------------------------


def _endpoint_option(t: TrialFacts) -> str | None:
    if not t.primary_endpoints:
        return None
    e = t.primary_endpoints[0]
    return _cut(e.measure + (f" (time frame: {e.time_frame})" if e.time_frame else ""))


def _arms_option(t: TrialFacts) -> str | None:
    if len(t.arms) < 1:
        return None
    return _cut("; ".join(f"{a.type or 'Arm'}: {a.label}" for a in t.arms))


def _criteria_option(t: TrialFacts) -> str | None:
    if not t.inclusion:
        return None
    return _cut("; ".join(t.inclusion[:CRITERIA_PER_OPTION]))


@dataclass(frozen=True, slots=True)
class _Choice:
    """What makes a multiple-choice task: how to read the option off a trial, and how to ask."""

    option_of: Callable[[TrialFacts], str | None]
    question: str
    missing: str
    shows_interventions: bool = True  # arm labels name the interventions: listing them would give the answer away


CHOICES: dict[str, _Choice] = {
    "endpoint_design": _Choice(
        _endpoint_option, "Which primary endpoint was registered for this trial?", "no primary endpoint"
    ),
    "arm_design": _Choice(
        _arms_option, "Which set of arms was registered for this trial?", "no arms", shows_interventions=False
    ),
    "eligibility_criteria_design": _Choice(
        _criteria_option, "Which inclusion criteria were registered for this trial?", "no inclusion criteria"
    ),
}


def _headings(t: TrialFacts) -> frozenset[str]:
    """Condition headings (MeSH, else condition names) and intervention names: what makes two trials similar."""
    conditions = (f"c:{x.lower()}" for x in (t.condition_mesh or t.conditions))
    return frozenset([*conditions, *(f"i:{x.lower()}" for x in t.interventions)])


class _Pool:
    """Trials that may lend a distractor, indexed by condition heading so that finding similar trials costs the
    size of the heading's posting lists, not of the pool (the pool is every training trial)."""

    def __init__(self, trials: Sequence[TrialFacts]) -> None:
        self.trials = list(trials)
        self.by_heading: dict[str, list[TrialFacts]] = {}
        for trial in self.trials:
            for heading in _headings(trial):
                self.by_heading.setdefault(heading, []).append(trial)

    def similar(self, item: TrialFacts, split: Split, seed: int) -> list[tuple[int, TrialFacts]]:
        """Trials sharing the most condition headings (then same phase); a seeded sample of the rest after them."""
        group = split.group_of(item.trial_id)
        shared: Counter[str] = Counter()
        trial_of: dict[str, TrialFacts] = {}
        for heading in _headings(item):
            for other in self.by_heading.get(heading, ())[:CANDIDATES_SCANNED]:
                shared[other.trial_id] += 1
                trial_of[other.trial_id] = other
        rng = _rng(seed, "fallback", item.trial_id)
        for other in rng.sample(self.trials, min(len(self.trials), FALLBACK_SAMPLE)):
            trial_of.setdefault(other.trial_id, other)
        ranked = []
        for trial_id, other in trial_of.items():
            if split.group_of(trial_id) == group:
                continue
            score = shared[trial_id] * 2 + int(bool(item.phase) and item.phase == other.phase)
            tie = hashlib.sha256(f"{seed}|{item.trial_id}|{trial_id}".encode()).hexdigest()
            ranked.append((-score, tie, other))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [(-score, other) for score, _tie, other in ranked]


def _multiple_choice(name: str) -> Callable[[TaskInputs], BuildResult]:
    choice = CHOICES[name]

    def build(inputs: TaskInputs) -> BuildResult:
        trials, split, seed = inputs.trials, inputs.split, inputs.seed
        result = BuildResult()
        with_option = [(t, choice.option_of(t)) for t in trials]
        # each split draws distractors from its own trials only: a test option is never text that training
        # taught as some other item's answer, so familiarity is no tell
        pools = {side: _Pool([t for t, o in with_option if o and split.of(t.trial_id) == side]) for side in SIDES}
        option_of = {t.trial_id: o for t, o in with_option if o}
        for trial, answer in with_option:
            side = split.of(trial.trial_id)
            if side is None:
                result.skipped["no registration date"] += 1
                continue
            if not answer:
                result.skipped[choice.missing] += 1
                continue
            question = "\n".join([*_design_lines(trial, interventions=choice.shows_interventions), "", choice.question])
            question_words = _words(question)
            answer_overlap = len(_words(answer) & question_words)
            seen = {_normalized(answer)}
            shortlist: list[tuple[int, int, str, str, int]] = []
            shown = set(inputs.context_trials.get(trial.trial_id, ()))
            for rank, (score, other) in enumerate(pools[side].similar(trial, split, seed)):
                if other.trial_id in shown:  # a trial in the item's graph context never lends a wrong option
                    continue
                text = option_of[other.trial_id]
                if _normalized(text) in seen:
                    continue
                seen.add(_normalized(text))
                gap = abs(len(_words(text) & question_words) - answer_overlap)
                shortlist.append((gap, rank, text, other.trial_id, score))
                if len(shortlist) == SHORTLIST:
                    break
            distractors = [(text, trial_id, score) for _gap, _rank, text, trial_id, score in sorted(shortlist)][
                : OPTIONS - 1
            ]
            if len(distractors) < OPTIONS - 1:
                result.skipped["too few distinct distractors"] += 1
                continue
            texts = [answer] + [d[0] for d in distractors]
            order = list(range(OPTIONS))
            _rng(seed, name, trial.trial_id).shuffle(order)
            options = {LETTERS[i]: texts[j] for i, j in enumerate(order)}
            letter = LETTERS[order.index(0)]
            record = {
                "id": f"{name}:{trial.trial_id}",
                "question": question,
                "options": options,
                "answer": letter,
                "metadata": {
                    "study_nctid": trial.nct_id,
                    "trial_id": trial.trial_id,
                    "distractor_trials": [d[1] for d in distractors],
                    "distractor_similarity": [d[2] for d in distractors],
                },
            }
            result.items.append(TaskItem(record["id"], name, trial.trial_id, side, record, letter, task_query(trial)))
        return result

    return build


# --- trial facts: phase ----------------------------------------------------------------------------------------

PHASE_OPTIONS = tuple(p for p in PHASES if p != "NA")
_PHASE_IN_TEXT = re.compile(
    r"\bphase\s*(?:[0-4]|i{1,3}v?|iv)(?:[ab])?(?:\s*(?:/|-|and|to)\s*(?:phase\s*)?(?:[0-4]|i{1,3}v?|iv)[ab]?)?\b",
    re.IGNORECASE,
)


def _phase_masked(text: str) -> str:
    """Titles often state the phase ("A Phase 3 Study of…"): masked, or the question would hold its answer."""
    return _PHASE_IN_TEXT.sub("phase [masked]", text)


def _phase_of(value: str | None) -> str | None:
    try:
        return normalize_phase(value) if value else None
    except ValueError:
        return None


def _trial_phase(inputs: TaskInputs) -> BuildResult:
    """Trial-fact QA: which phase a registered trial is, from its title (phase masked), conditions, interventions
    and design. Distractors are three other phases, seeded; trials with no phase (or not applicable) are counted."""
    result = BuildResult()
    for trial in inputs.trials:
        side = inputs.split.of(trial.trial_id)
        if side is None:
            result.skipped["no registration date"] += 1
            continue
        phase = _phase_of(trial.phase)
        if phase not in PHASE_OPTIONS:
            result.skipped["no phase (or not applicable)"] += 1
            continue
        rng = _rng(inputs.seed, "trial_phase", trial.trial_id)
        texts = [phase, *rng.sample([p for p in PHASE_OPTIONS if p != phase], OPTIONS - 1)]
        order = list(range(OPTIONS))
        rng.shuffle(order)
        options = {LETTERS[i]: texts[j] for i, j in enumerate(order)}
        letter = LETTERS[order.index(0)]
        lines = [line for line in _design_lines(trial) if not line.startswith("Study type:")]
        question = _phase_masked("\n".join([*lines, "", "Which phase is this trial?"]))
        record = {
            "id": f"trial_phase:{trial.trial_id}",
            "question": question,
            "options": options,
            "answer": letter,
            "metadata": {"study_nctid": trial.nct_id, "trial_id": trial.trial_id, "registry_phase": trial.phase},
        }
        result.items.append(
            TaskItem(record["id"], "trial_phase", trial.trial_id, side, record, letter, task_query(trial))
        )
    return result


# --- sample size ---------------------------------------------------------------------------------------------


def _sample_size(inputs: TaskInputs) -> BuildResult:
    result, split = BuildResult(), inputs.split
    for trial in inputs.trials:
        side = split.of(trial.trial_id)
        if side is None:
            result.skipped["no registration date"] += 1
            continue
        if not trial.enrollment or trial.enrollment <= 0:
            result.skipped["no enrollment"] += 1
            continue
        endpoints = "; ".join(e.measure for e in trial.primary_endpoints[:3]) or "not stated"
        arms = "; ".join(f"{a.type or 'Arm'}: {a.label}" for a in trial.arms) or "not stated"
        question = "\n".join(
            [
                *_design_lines(trial),
                f"Arms: {_cut(arms)}",
                f"Primary endpoints: {_cut(endpoints)}",
                "",
                "How many participants does this trial need to enroll?",
            ]
        )
        record = {
            "id": f"sample_size_estimation:{trial.trial_id}",
            "question": question,
            "answer": int(trial.enrollment),
            "metadata": {
                "study_nctid": trial.nct_id,
                "trial_id": trial.trial_id,
                "enrollment_type": trial.enrollment_type,
            },
        }
        result.items.append(
            TaskItem(
                record["id"],
                "sample_size_estimation",
                trial.trial_id,
                side,
                record,
                str(trial.enrollment),
                task_query(trial),
            )
        )
    return result


# --- trial completion ----------------------------------------------------------------------------------------

OUTCOME_OF_STATUS = {"COMPLETED": "complete", "TERMINATED": "terminate"}


def _completion(inputs: TaskInputs) -> BuildResult:
    """Completed vs terminated trials; the termination type is Open Targets' stop-reason class for the NCT id."""
    result, split, labels = BuildResult(), inputs.split, inputs.stop_reasons
    for trial in inputs.trials:
        side = split.of(trial.trial_id)
        if side is None:
            result.skipped["no registration date"] += 1
            continue
        outcome = OUTCOME_OF_STATUS.get(trial.status or "")
        if outcome is None:
            result.skipped[f"status {trial.status or 'missing'}"] += 1
            continue
        terminate_type = labels.get(trial.nct_id or "") if outcome == "terminate" else None
        record = {
            "metadata": {"study_nctid": trial.nct_id, "trial_id": trial.trial_id},
            "inputs": {
                "title": trial.official_title or trial.title,
                "phase": trial.phase,
                "allocation": trial.allocation,
                "intervention_model": trial.intervention_model,
                "observational_model": trial.observational_model,
                "primary_purpose": trial.primary_purpose,
                "time_perspective": trial.time_perspective,
                "masking": trial.masking,
                "number_of_arms": trial.number_of_arms,
            },
            "context": [
                {
                    "type": "eligibility_criteria",
                    "criteria": (trial.eligibility_text or "").replace("\n", "~"),
                    "gender": trial.sex,
                    "minimum_age": trial.min_age,
                    "maximum_age": trial.max_age,
                    "healthy_volunteers": trial.healthy_volunteers,
                },
                {
                    "type": "arm_design",
                    "arms": [
                        {"title": a.label, "group_type": a.type, "description": a.description} for a in trial.arms
                    ],
                },
            ],
            "labels": {
                "outcome": outcome,
                "terminate_type": terminate_type,
                "terminate_reason_desc": trial.why_stopped if outcome == "terminate" else None,
            },
        }
        record["id"] = f"trial_completion:{trial.trial_id}"
        answer = outcome if outcome == "complete" else f"terminate:{terminate_type or ''}"
        result.items.append(
            TaskItem(record["id"], "trial_completion", trial.trial_id, side, record, answer, task_query(trial))
        )
    return result


def _from_notes(
    name: str,
    description: str,
    build: Callable[[Sequence[Mapping[str, object]] | None, Sequence[TrialFacts], Split, int], BuildResult],
) -> TaskSpec:
    """A multiple-choice task built from synthetic patient notes and their trials' facts."""
    return TaskSpec(
        name,
        "mcq",
        description,
        lambda inputs: build(
            inputs.patients.notes if inputs.patients else None, inputs.trials, inputs.split, inputs.seed
        ),
        source="patients",
        graph_context=NO_TRIAL_CONTEXT,
    )


TASKS: dict[str, TaskSpec] = {
    "endpoint_design": TaskSpec(
        "endpoint_design", "mcq", "pick the registered primary endpoint", _multiple_choice("endpoint_design")
    ),
    "arm_design": TaskSpec("arm_design", "mcq", "pick the registered set of arms", _multiple_choice("arm_design")),
    "eligibility_criteria_design": TaskSpec(
        "eligibility_criteria_design",
        "mcq",
        "pick the registered inclusion criteria",
        _multiple_choice("eligibility_criteria_design"),
    ),
    "sample_size_estimation": TaskSpec(
        "sample_size_estimation", "sample_size", "estimate the enrollment (correct within ±20%)", _sample_size
    ),
    "trial_completion": TaskSpec("trial_completion", "completion", "completed or terminated, and why", _completion),
    "trial_phase": TaskSpec("trial_phase", "mcq", "which phase a registered trial is (trial-fact QA)", _trial_phase),
    SCREENING_TASK: TaskSpec(
        SCREENING_TASK,
        "screening",
        "include or exclude each candidate trial against a review's selection criteria (reviews built from the graph)",
        lambda inputs: build_screening(inputs.trials, inputs.split, inputs.seed),
    ),
    SEARCH_TASK: TaskSpec(
        SEARCH_TASK,
        "search",
        "write a query that finds the trials meeting a review's selection criteria (BM25 over the split's trials)",
        lambda inputs: build_search(inputs.trials, inputs.split, inputs.seed),
    ),
    "evidence_summary": TaskSpec(
        "evidence_summary",
        "mcq",
        "what a reported comparison shows (Evidence Inference 2.0 prompts and evidence spans)",
        lambda inputs: build_evidence_summary(inputs.evidence, inputs.seed, Counter(inputs.evidence_skipped)),
        source="evidence",
    ),
    RESULTS_TASK: TaskSpec(
        RESULTS_TASK,
        "mcq",
        "what a posted CT.gov statistical analysis shows for one group against another (evidence summarisation)",
        lambda inputs: build_results_evidence(inputs.comparisons or {}, inputs.split, inputs.seed),
    ),
    DIAGNOSIS_TASK: TaskSpec(
        DIAGNOSIS_TASK,
        "mcq",
        "name the condition of a synthetic patient note whose diagnoses are withheld (diagnostic analysis)",
        lambda inputs: build_diagnosis(inputs.patients, inputs.split, inputs.seed),
        source="patients",
    ),
    ELIGIBILITY_TASK: _from_notes(
        ELIGIBILITY_TASK,
        "whether a synthetic patient may enter a trial, from its note and the trial's criteria (by construction)",
        build_patient_eligibility,
    ),
    CRITERION_TASK: _from_notes(
        CRITERION_TASK,
        "which of four criteria rules a synthetic near-miss patient out (criterion-level eligibility)",
        build_criterion_violated,
    ),
    TREC_TASK: TaskSpec(
        TREC_TASK,
        "mcq",
        "whether a TREC CT patient may enter a judged trial, from the patient's summary and the trial's criteria",
        lambda inputs: build_trec_eligibility(inputs.cohorts, inputs.trials, inputs.split, inputs.seed),
        source="cohorts",
        graph_context=NO_TRIAL_CONTEXT,
    ),
}


def _knowledge(name: str) -> Callable[[TaskInputs], BuildResult]:
    def build(inputs: TaskInputs) -> BuildResult:
        if inputs.knowledge is None:
            result = BuildResult()
            result.skipped["the vocabularies were not read from the graph"] += 1
            return result
        return KNOWLEDGE_BUILDERS[name](inputs.knowledge, inputs.seed)

    return build


KNOWLEDGE_DESCRIPTIONS = {
    "knowledge_hierarchy": "pick a direct parent (BROADER) of a concept (MeSH, MONDO, DOID, HP, ATC levels 2-4)",
    "knowledge_synonyms": "pick the string a vocabulary lists as a concept's synonym (MeSH, MONDO, DOID, HP)",
    "knowledge_atc_class": "pick the level-4 ATC class of a level-5 substance",
    "knowledge_pharmacological_action": "pick a MeSH pharmacological action of a chemical",
}
TASKS |= {
    name: TaskSpec(name, "mcq", description, _knowledge(name), source="ontologies")
    for name, description in KNOWLEDGE_DESCRIPTIONS.items()
}


def task_names() -> list[str]:
    return list(TASKS)


def build_task(name: str, inputs: TaskInputs) -> BuildResult:
    """Build one registered task; items sorted by id so that the same graph always gives the same bytes."""
    result = TASKS[name].build(inputs)
    result.items.sort(key=lambda item: item.id)
    return result
