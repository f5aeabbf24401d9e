"""The patient's conditions as concepts, for `match`: what the entity linker finds in a patient description, and
the trials whose conditions are those concepts.

Why: a patient summary names its conditions in a clinician's words ("T2DM on metformin, HbA1c 9%"), and text
search weighs each word alike. The linker (gazetteer + TF-IDF over the graph's own vocabularies, with negation
cues) turns the description into the concepts the graph's conditions are indexed by, so a trial whose condition
heading is the patient's disease is found even when its title words differ. Only condition types (MeSH C and F:
diseases, signs, mental disorders; the same disease types the condition linker uses) and only spans no negation
cue reaches ("no history of stroke" is not the patient's stroke) count; a history cue does not remove a span (a
past condition is still the patient's).

One span is one condition, linked to one concept; but the graph's conditions may be indexed in another vocabulary
than the one the linker chose ("type 2 diabetes" is a DOID, MONDO and MeSH name alike, and NLM indexes by MeSH),
so the condition stands for every concept of a condition type whose name or synonym is the span's text, and each
condition counts once however many of its concepts a record reaches.

Used where the linker has landed: when ``trialgraph link build-index`` made an index that matches the graph. With
no index, or an index built from other concepts than the graph now holds, `match` ranks by text alone and says
why in its result (``concepts_skipped``): a patient search never fails for want of an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.errors import ConfigError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.linking import CONDITION_TYPES
from trialgraph.models.linking.spelling import american

__all__ = ["CONCEPT_MAX_DF_SHARE", "STAGE_FAILURES", "PatientConcepts", "patient_concepts"]

# A concept reached by more than 5% of the records is too general to rank by. Chosen a priori (as the graph
# expansion's), not tuned on any evaluation set.
CONCEPT_MAX_DF_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class ConceptRanking:
    """The patient's concepts (curie → the text that named it) and the trials they reach, best first."""

    concepts: dict[str, str]
    rows: list[dict[str, Any]]
    cypher: str
    parameters: dict[str, Any]


@dataclass
class PatientConcepts:
    """The free-text linker over a checked index, and the graph query that ranks trials by the concepts it finds."""

    driver: neo4j.Driver
    linker: Any  # trialgraph.link.Linker
    database: str = "neo4j"

    def conditions(self, description: str) -> dict[str, list[str]]:
        """Each condition the description names, no negation cue reaching it: its first text as written → the
        linked concept, then every other condition-type concept sharing that name. Spans whose concepts overlap
        are one condition ("Asthma … asthma", "type 2 diabetes mellitus (T2DM)", "NIDDM and type 2 diabetes"), so
        a condition named twice, or by a synonym or short form, counts once."""
        groups: list[tuple[str, list[str]]] = []
        for span in self.linker(description, CONDITION_TYPES):
            if span.negated:
                continue
            curies = [span.curie, *self._same_name(span.text, span.curie)]
            overlapping = [g for g in groups if set(g[1]) & set(curies)]
            if not overlapping:
                groups.append((span.text, curies))
                continue
            first = overlapping[0]
            for group in overlapping[1:]:  # this span joins groups that were apart: one condition
                first[1].extend(c for c in group[1] if c not in first[1])
                groups.remove(group)
            first[1].extend(c for c in curies if c not in first[1])
        return dict(groups)

    def _same_name(self, text: str, linked: str) -> list[str]:
        """The other condition-type concepts whose name or synonym ``text`` is (sorted)."""
        kb = self.linker.tfidf.generator.kb
        same_name = kb.alias_to_cuis.get(american(text.lower()), set()) - {linked}
        return sorted(
            curie
            for curie in same_name
            if (entity := kb.cui_to_entity.get(curie)) is not None and set(entity.types) & CONDITION_TYPES
        )

    def rank(self, description: str, *, depth: int) -> ConceptRanking:
        """The trials reaching the description's conditions, best first, with the statement and parameters that
        ranked them (a hit carries them, to rerun in the Browser)."""
        conditions = self.conditions(description)
        statement = cypher.load("retrieval/patient_concepts")
        params: dict[str, Any] = {
            "conditions": [{"text": text, "curies": curies} for text, curies in conditions.items()],
            "limit": depth,
        }
        rows: list[dict[str, Any]] = []
        if conditions:
            records = run_read(self.driver, cypher.load("read/count_records"), database=self.database)[0]["records"]
            params |= {"records": records, "max_df": max(1, int(records * CONCEPT_MAX_DF_SHARE))}
            rows = run_read(self.driver, statement, params, database=self.database)
        concepts = {curie: text for text, curies in conditions.items() for curie in curies}
        return ConceptRanking(concepts, rows, statement, params)


# What loading or running the concept stage can raise besides our own errors: an index folder written by another
# version or cut short (unknown manifest keys, bad JSON, a missing file), or the linker's optional parts not
# installed. `match` then ranks by text and says why, as with no index at all.
STAGE_FAILURES = (ConfigError, ImportError, OSError, ValueError, TypeError, KeyError)


def patient_concepts(
    driver: neo4j.Driver, index_folder: Path, database: str = "neo4j"
) -> tuple[PatientConcepts | None, str | None]:
    """The concept stage over ``index_folder``, or None and the reason it is skipped (no index; a stale one)."""
    from trialgraph.kg.linking import checked_tfidf
    from trialgraph.link import Linker

    if not (index_folder / "manifest.json").is_file():
        return None, "no linker index: run `trialgraph link build-index` to match on the patient's concepts too"
    try:
        tfidf = checked_tfidf(driver, index_folder, database)
    except STAGE_FAILURES as e:
        return None, f"linker index not used: {e}"
    return PatientConcepts(driver, Linker.around(tfidf), database), None
