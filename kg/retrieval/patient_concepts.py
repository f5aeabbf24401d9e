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

__all__ = ["CONCEPT_MAX_DF_SHARE", "PatientConcepts", "patient_concepts"]

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
        """Each condition the description names (its text as written, the first time), no negation cue reaching
        it, with the linked concept first and then every other condition-type concept sharing that name."""
        generator = self.linker.tfidf.generator
        found: dict[str, list[str]] = {}
        for span in self.linker(description, CONDITION_TYPES):
            if span.negated:
                continue
            same_name = generator.kb.alias_to_cuis.get(american(span.text.lower()), set())
            curies = found.setdefault(span.text, [span.curie])
            for curie in sorted(same_name - set(curies)):
                if set(generator.kb.cui_to_entity[curie].types) & CONDITION_TYPES:
                    curies.append(curie)
        return found

    def rank(self, description: str, *, depth: int) -> ConceptRanking:
        conditions = self.conditions(description)
        statement = cypher.load("retrieval/patient_concepts")
        records = run_read(self.driver, cypher.load("read/count_records"), database=self.database)[0]["records"]
        params = {
            "conditions": [{"text": text, "curies": curies} for text, curies in conditions.items()],
            "records": records,
            "max_df": max(1, int(records * CONCEPT_MAX_DF_SHARE)),
            "limit": depth,
        }
        rows = run_read(self.driver, statement, params, database=self.database) if conditions else []
        concepts = {curie: text for text, curies in conditions.items() for curie in curies}
        return ConceptRanking(concepts, rows, statement, params)


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
    except ConfigError as e:
        return None, str(e)
    return PatientConcepts(driver, Linker.around(tfidf), database), None
