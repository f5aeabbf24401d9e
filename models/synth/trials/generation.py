"""Retrieval-Reasoning generation: exemplars in, a typed synthetic trial with a label and a cited rationale out.

Two model calls per trial, as in the published method: the *design* step writes the study record as JSON after
seeing the seed's nearest real trials and their outcomes; the *reasoning* step writes why that design would
succeed or fail, citing the real trials by id. Every way a generator can fail (no neighbours, an error or time-out,
a refusal, a loop, invalid JSON, a schema violation, a rationale that cites nothing it was shown) is a counted
reason, never a crash and never a record kept with a label nobody checked.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trialgraph.model.phases import PHASES
from trialgraph.model.trial_ids import find_trial_ids
from trialgraph.models.prompt_files import load_prompt
from trialgraph.models.rag.answering import cited_ids
from trialgraph.models.synth.replies import reply_problem
from trialgraph.models.synth.trials.exemplars import Exemplar, ExemplarPool, Seed
from trialgraph.models.synth.trials.records import (
    LABELS,
    Provenance,
    SyntheticDesign,
    SyntheticTrial,
    validate_design,
)

__all__ = [
    "GenerationReport",
    "GenerationSettings",
    "ItemOutcome",
    "generate_trials",
    "parse_json_object",
    "prompt_version",
    "reply_problem",
]

_PROMPTS = "trialgraph.models.synth.trials.prompts"
_OUTCOME_VERB = {"success": "succeed (meet its primary endpoint)", "failure": "fail (not meet its primary endpoint)"}


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """Fixed per batch; all of it is recorded in each record's provenance or the batch report."""

    k: int = 3  # exemplars shown per trial
    spread: int = 3  # the k are drawn (seeded) from the k × spread nearest: greedy decoding of one seed varies
    max_criteria_shown: int = 5
    design_tokens: int = 512
    rationale_tokens: int = 120
    seed: int = 0
    software_version: str = "unknown"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """How one seed ended: kept as ``trial``, or rejected with ``reason`` (and the reply, cut, that caused it).

    Why per seed: a resumable batch writes each finished seed as it is made, so a rerun skips what is done."""

    index: int  # the seed's position in the whole batch
    trial: SyntheticTrial | None = None
    reason: str | None = None
    reply: str = ""
    schema_valid: bool = False


@dataclass
class GenerationReport:
    attempted: int = 0
    schema_valid: int = 0  # designs that parsed and validated, before the reasoning step and the batch's checks
    kept: list[SyntheticTrial] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)  # reason -> count
    examples: dict[str, str] = field(default_factory=dict)  # reason -> first offending reply (cut), for diagnosis
    items: list[ItemOutcome] = field(default_factory=list)  # one per seed, in the order they ended

    def reject(self, reason: str, reply: str = "", *, index: int = -1, schema_valid: bool = False) -> None:
        self.rejected[reason] += 1
        self.examples.setdefault(reason, reply[:300])
        self.items.append(ItemOutcome(index, reason=reason, reply=reply[:300], schema_valid=schema_valid))

    def keep(self, trial: SyntheticTrial, index: int) -> None:
        self.kept.append(trial)
        self.items.append(ItemOutcome(index, trial=trial, schema_valid=True))

    @classmethod
    def from_items(cls, items: Sequence[ItemOutcome]) -> GenerationReport:
        """The report of a batch rebuilt from its seeds' outcomes, in seed order (a resumed batch's report)."""
        report = cls(attempted=len(items))
        for item in sorted(items, key=lambda i: i.index):
            report.schema_valid += item.schema_valid
            if item.trial is not None:
                report.keep(item.trial, item.index)
            else:
                report.reject(item.reason or "", item.reply, index=item.index, schema_valid=item.schema_valid)
        return report

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempted": self.attempted,
            "schema_valid": self.schema_valid,
            "schema_valid_share": round(self.schema_valid / self.attempted, 4) if self.attempted else None,
            "with_cited_rationale": len(self.kept),
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_examples": self.examples,
        }


def _cut(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_exemplar(exemplar: Exemplar, max_criteria: int) -> str:
    """One real trial as the generator sees it: its id and outcome, then its design as a JSON object with the keys
    the reply must use, so that even a small model sees the exact format it has to write (fields the source does
    not give, e.g. arms in HINT's files, are left out rather than invented)."""
    design = {
        "title": exemplar.title,
        "phase": exemplar.phase,
        "conditions": list(exemplar.conditions[:5]),
        "interventions": [{"name": name, "type": "DRUG"} for name in exemplar.interventions[:5]],
        "arms": [{"label": arm} for arm in exemplar.arms[:4]],
        "inclusion_criteria": [_cut(c, 160) for c in exemplar.inclusion[:max_criteria]],
        "exclusion_criteria": [_cut(c, 160) for c in exemplar.exclusion[:max_criteria]],
        "primary_endpoints": [_cut(e, 160) for e in exemplar.primary_endpoints[:2]],
        "enrollment": exemplar.enrollment,
    }
    shown = {key: value for key, value in design.items() if value}
    return f"[{exemplar.id}] outcome: {exemplar.label}\n{json.dumps(shown, ensure_ascii=False)}"


def _seed_text(seed: Seed) -> str:
    parts = [
        f"condition {seed.condition}" if seed.condition else "",
        f"intervention {seed.intervention}" if seed.intervention else "",
        f"phase {seed.phase}" if seed.phase else "",
    ]
    return ", ".join(p for p in parts if p) or "a trial like the ones above"


def design_messages(seed: Seed, exemplars: Sequence[Exemplar], settings: GenerationSettings) -> list[dict[str, str]]:
    prompt = load_prompt(_PROMPTS, "trial")
    body = prompt.body.substitute(
        exemplars="\n\n".join(render_exemplar(e, settings.max_criteria_shown) for e in exemplars),
        seed=_seed_text(seed),
        outcome_verb=_OUTCOME_VERB[seed.label],
        phases=", ".join(PHASES),
    )
    return [{"role": "user", "content": body}, {"role": "assistant", "content": prompt.prefill}]


def rationale_messages(
    design: SyntheticDesign, label: str, exemplars: Sequence[Exemplar], settings: GenerationSettings
) -> list[dict[str, str]]:
    prompt = load_prompt(_PROMPTS, "rationale")
    summary = (
        f"{design.title} ({design.phase}; {', '.join(design.conditions)}; "
        f"{', '.join(i.name for i in design.interventions)}; enrollment {design.enrollment}; "
        f"primary endpoint: {_cut(design.primary_endpoints[0], 160)})"
    )
    body = prompt.body.substitute(
        exemplars="\n\n".join(render_exemplar(e, settings.max_criteria_shown) for e in exemplars),
        summary=summary,
        outcome_verb=_OUTCOME_VERB[label],
        example_id=exemplars[0].id,
    )
    return [{"role": "user", "content": body}, {"role": "assistant", "content": prompt.prefill}]


def parse_json_object(text: str) -> tuple[Any, str | None]:
    """The first JSON object in a reply (Markdown fences and trailing prose tolerated), or ``None`` and why."""
    start = text.find("{")
    if start < 0:
        return None, "no object"
    try:
        value, _end = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as e:
        return None, e.msg
    return value, None


Generate = Callable[[Sequence[list[dict[str, str]]], int], list[tuple[str, str | None]]]


def prompt_version() -> str:
    """The versions of both prompts, as recorded in every trial's provenance and in a batch's journal."""
    return f"{load_prompt(_PROMPTS, 'trial').version}+{load_prompt(_PROMPTS, 'rationale').version}"


def generate_trials(
    seeds: Sequence[Seed],
    pool: ExemplarPool,
    generate: Generate,
    *,
    generator: str,
    generator_version: str,
    settings: GenerationSettings,
    first_index: int = 0,
    created: str | None = None,
) -> GenerationReport:
    """Two batched calls: all designs, then the rationales of the designs that validated.

    ``generate`` takes chats and a token budget and returns ``(text, error)`` per chat, in order: the language
    model's ``generate`` adapted (see :func:`model_generate`), so that tests and endpoints plug in the same way.
    ``first_index`` is the first seed's position in the whole batch (exemplar draws are seeded by position, so a
    batch generated in parts draws what it draws whole); ``created`` stamps the provenance (default: now).
    """
    report = GenerationReport(attempted=len(seeds))
    grounded: list[tuple[int, Seed, list[Exemplar]]] = []
    for index, seed in enumerate(seeds, start=first_index):
        candidates = pool.nearest(seed, settings.k * settings.spread)
        if not candidates:
            report.reject("seed has no labelled neighbours", index=index)
            continue
        chosen = random.Random(f"{settings.seed}:{index}").sample(
            range(len(candidates)), min(settings.k, len(candidates))
        )
        grounded.append((index, seed, [candidates[i] for i in sorted(chosen)]))
    replies = generate([design_messages(s, ex, settings) for _, s, ex in grounded], settings.design_tokens)
    designed: list[tuple[int, Seed, list[Exemplar], SyntheticDesign]] = []
    for (index, seed, exemplars), (text, error) in zip(grounded, replies, strict=True):
        problem = reply_problem(text, error)
        if problem:
            report.reject(problem, text, index=index)
            continue
        data, problem = parse_json_object(text)
        if problem:
            report.reject("invalid JSON", text, index=index)
            continue
        design, invalid = validate_design(data)
        if design is None:
            report.reject(f"schema: {(invalid or '').split(':', 1)[0]}", text, index=index)
            continue
        report.schema_valid += 1
        designed.append((index, seed, exemplars, design))
    rationales = generate(
        [rationale_messages(d, s.label, ex, settings) for _, s, ex, d in designed], settings.rationale_tokens
    )
    prompt_versions = prompt_version()
    created = created or datetime.now(UTC).isoformat(timespec="seconds")
    for (index, seed, exemplars, design), (text, error) in zip(designed, rationales, strict=True):
        problem = reply_problem(text, error)
        if problem:
            report.reject(f"rationale: {problem}", text, index=index, schema_valid=True)
            continue
        shown = [e.id for e in exemplars]
        # bracketed words that are not trial ids ([HbA1c], [PHASE2]) are not citations
        cited = [c for c in cited_ids(text) if c in shown or find_trial_ids(c)]
        if not cited:
            report.reject("rationale cites no retrieved trial", text, index=index, schema_valid=True)
            continue
        if any(c not in shown for c in cited):
            report.reject("rationale cites a trial it was not shown", text, index=index, schema_valid=True)
            continue
        provenance = Provenance(
            generator=generator,
            generator_version=generator_version,
            prompt_version=prompt_versions,
            seed=settings.seed,
            software_version=settings.software_version,
            grounded_on=shown,
            label_source=pool.label_source,
            seed_trial=seed.trial_id,
            created=created,
        )
        trial = SyntheticTrial.make(
            design,
            label=seed.label,
            rationale=" ".join(text.split()),
            cited_trials=cited,
            seed_description=seed.describe(),
            provenance=provenance,
        )
        report.keep(trial, index)
    return report


def model_generate(model: Any) -> Generate:
    """Adapt a :class:`~trialgraph.models.language_models.LanguageModel` to :data:`Generate`."""

    def run(chats: Sequence[list[dict[str, str]]], max_new_tokens: int) -> list[tuple[str, str | None]]:
        return [(g.text, g.error) for g in model.generate(list(chats), max_new_tokens=max_new_tokens)] if chats else []

    return run


def balanced_labels(count: int, seed: int) -> list[str]:
    """Half success, half failure, in a seeded order: the generator is asked for both outcomes equally."""
    labels = [LABELS[i % 2] for i in range(count)]
    random.Random(seed).shuffle(labels)
    return labels
