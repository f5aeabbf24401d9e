"""The graph side of the knowledge tasks: the loaded vocabularies' concepts and MeSH pharmacological actions.

Reads only, in read transactions; the builders (``trialgraph.models.tasks.knowledge``) never see the driver.
"""

from __future__ import annotations

import neo4j

from trialgraph import cypher
from trialgraph.kg.graph import run_read
from trialgraph.models.tasks.knowledge import (
    KNOWLEDGE_VOCABULARIES,
    PHARMACOLOGICAL_ACTION,
    ConceptRow,
    KnowledgeInputs,
)

__all__ = ["read_knowledge"]


def read_knowledge(driver: neo4j.Driver, *, database: str = "neo4j") -> KnowledgeInputs:
    """Every live concept of the knowledge vocabularies, with its parents, and the chemical -> action pairs."""
    concepts = [
        ConceptRow.from_row(row)
        for row in run_read(
            driver,
            cypher.load("read/knowledge_concepts"),
            {"vocabularies": list(KNOWLEDGE_VOCABULARIES)},
            database=database,
        )
    ]
    actions = [
        (row["subject"], row["object"])
        for row in run_read(
            driver,
            cypher.load("read/knowledge_relations"),
            {"predicate": PHARMACOLOGICAL_ACTION, "vocabulary": "MESH"},
            database=database,
        )
    ]
    return KnowledgeInputs(tuple(concepts), tuple(actions))
