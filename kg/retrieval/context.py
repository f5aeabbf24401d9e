"""The context a language model is given about retrieved trials: compact, deterministic, under a token budget.

For each hit, in hit order: title, registry record ids, phase, status (and why it stopped), enrollment,
conditions with the concepts they are linked to, arms with their interventions, age and sex limits, the first
``CRITERIA_PER_KIND`` inclusion and exclusion items, primary endpoints, and result publications (each item and
citation cut at 200 characters). The same hits
over the same graph give byte-identical text and JSON: every list is ordered in the Cypher, and nothing here
depends on time, randomness or dict order.

The budget counts tokens as ``ceil(characters / 4)``, the usual English rule of thumb for LLM tokenizers; a
trial's block is added whole or not at all, and the trials left out are listed, so a caller knows what the
model did not see.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import neo4j

from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read

__all__ = ["CHARS_PER_TOKEN", "CRITERIA_PER_KIND", "Context", "build_context", "estimate_tokens"]

CHARS_PER_TOKEN = 4
CRITERIA_PER_KIND = 5


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Context:
    """The text block for a prompt, the same facts as JSON, and which trials fit the budget."""

    text: str
    trials: list[dict[str, Any]]
    included: list[str]
    omitted: list[str]
    tokens: int

    def as_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces to vary): byte-identical for the same input."""
        return json.dumps(
            {"trials": self.trials, "included": self.included, "omitted": self.omitted, "tokens": self.tokens},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )


_ITEM_CHARS = 200  # a criterion or a citation longer than this is cut: compact beats complete here


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _ITEM_CHARS else text[: _ITEM_CHARS - 1].rstrip() + "…"


def _line(label: str, value: Any) -> str | None:
    if value in (None, "", [], ()):
        return None
    return f"{label}: {value}"


def _block(trial: dict[str, Any], *, with_publications: bool = True) -> str:
    conditions = "; ".join(
        c["name"] + (f" [{', '.join(x.strip() for x in c['concepts'])}]" if c["concepts"] else "")
        for c in trial["conditions"]
    )
    arms = "; ".join(
        f"{a['label']}"
        + (f" ({a['type']})" if a["type"] else "")
        + (f": {', '.join(a['interventions'])}" if a["interventions"] else "")
        for a in trial["arms"]
    )
    status = (
        trial["status"] + (f" (why stopped: {trial['why_stopped']})" if trial["why_stopped"] else "")
        if trial["status"]
        else None
    )
    enrollment = (
        f"{trial['enrollment']}" + (f" ({trial['enrollment_type'].lower()})" if trial["enrollment_type"] else "")
        if trial["enrollment"] is not None
        else None
    )
    ages = " to ".join(x for x in (trial["min_age"] or "any age", trial["max_age"] or "no maximum"))
    lines = [
        f"## {trial['trial_id']}: {trial['title'] or '(no title)'}",
        _line("Records", ", ".join(trial["record_ids"])),
        _line("Phase", trial["phase"]),
        _line("Status", status),
        _line("Enrollment", enrollment),
        _line("Conditions", conditions),
        _line("Arms", arms) if arms else _line("Interventions", "; ".join(trial["interventions"])),
        _line("Eligible", f"{ages}, sex {(trial['sex'] or 'ALL').lower()}"),
        _line("Inclusion", "; ".join(_cut(x["text"]) for x in trial["inclusion"])),
        _line("Exclusion", "; ".join(_cut(x["text"]) for x in trial["exclusion"])),
        _line(
            "Primary endpoints",
            "; ".join(
                e["measure"] + (f" ({e['time_frame']})" if e["time_frame"] else "") for e in trial["primary_endpoints"]
            ),
        ),
        None
        if not with_publications
        else _line(
            "Result publications",
            "; ".join(
                (f"PMID {p['pmid']}: " if p["pmid"] else "") + _cut(p["title"]) for p in trial["result_publications"]
            ),
        ),
    ]
    return "\n".join(line for line in lines if line)


def build_context(
    driver: neo4j.Driver,
    trial_ids: Sequence[str],
    *,
    max_tokens: int = 2000,
    database: str = "neo4j",
    with_publications: bool = True,
) -> Context:
    """The context for ``trial_ids`` (hit order kept; unknown ids are left out as omitted). Task prompts leave
    the result publications out (``with_publications=False``): a paper's title can state the very finding asked."""
    ordered = list(dict.fromkeys(trial_ids))
    rows = run_read(
        driver,
        cypher.load("retrieval/trial_context"),
        {"trial_ids": ordered, "criteria_per_kind": CRITERIA_PER_KIND},
        database=database,
    )
    by_id = {row["trial_id"]: row for row in rows}
    blocks, trials, included, omitted, used = [], [], [], [], 0
    for trial_id in ordered:
        trial = by_id.get(trial_id)
        if trial is None:
            omitted.append(trial_id)
            continue
        block = _block(trial, with_publications=with_publications)
        cost = estimate_tokens(block + "\n\n")
        if used + cost > max_tokens:
            omitted.append(trial_id)
            continue
        blocks.append(block)
        trials.append(trial)
        included.append(trial_id)
        used += cost
    text = "\n\n".join(blocks)
    return Context(text, trials, included, omitted, estimate_tokens(text))
