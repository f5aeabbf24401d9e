"""The knowledge tasks, pure: hand-built concept rows in, items out, every item checked against the rows.

The checks recompute ancestors, descendants and shared strings here (plain loops over the rows), never through
the builder's index, so a builder that offered an ancestor, a synonym of the subject or the wrong parent fails.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from trialgraph.models.tasks.builders import TASKS, TaskInputs, build_task
from trialgraph.models.tasks.knowledge import (
    MAX_ITEMS_PER_VOCABULARY,
    ConceptRow,
    KnowledgeInputs,
    build_knowledge,
    vocabulary_summary,
)
from trialgraph.models.tasks.splits import Split

KNOWLEDGE = ["knowledge_hierarchy", "knowledge_synonyms", "knowledge_atc_class", "knowledge_pharmacological_action"]


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _tree(vocabulary: str, prefix: str) -> list[ConceptRow]:
    """A root, 4 classes, 4 members each, 2 leaves each: 45 concepts with two synonyms each."""
    rows = [ConceptRow(f"{prefix}:0", vocabulary, f"{prefix} root", "v1", (f"{prefix} top",))]
    for i in range(4):
        cls = f"{prefix}:{i + 1}"
        rows.append(
            ConceptRow(cls, vocabulary, f"{prefix} class {i}", "v1", (f"{prefix} group {i}",), None, (rows[0].curie,))
        )
        for j in range(4):
            member = f"{cls}.{j}"
            rows.append(
                ConceptRow(
                    member,
                    vocabulary,
                    f"{prefix} member {i}-{j}",
                    "v1",
                    (f"{prefix} alias {i}{j}", f"{prefix} item {i}/{j} form"),
                    None,
                    (cls,),
                )
            )
            for k in range(2):
                rows.append(
                    ConceptRow(
                        f"{member}.{k}",
                        vocabulary,
                        f"{prefix} leaf {i}-{j}-{k}",
                        "v1",
                        (f"{prefix} tip {i}{j}{k}",),
                        None,
                        (member,),
                    )
                )
    return rows


def _ambiguous() -> list[ConceptRow]:
    """Two HP concepts share 'shared term': the second's other names are never distractors of the first."""
    return [
        ConceptRow("HP:A", "HP", "alpha finding", "v1", ("shared term", "alpha sign"), None, ("HP:1",)),
        ConceptRow("HP:B", "HP", "beta finding", "v1", ("Shared  Term", "beta sign"), None, ("HP:2",)),
    ]


def _atc() -> list[ConceptRow]:
    rows = [ConceptRow("ATC:C", "ATC", "CARDIOVASCULAR SYSTEM", "2026", (), "ATC level 1")]
    for a in "12":
        l2 = f"ATC:C0{a}"
        rows.append(ConceptRow(l2, "ATC", f"CARDIAC GROUP {a}", "2026", (), "ATC level 2", ("ATC:C",)))
        for b in "AB":
            l3 = f"{l2}{b}"
            rows.append(ConceptRow(l3, "ATC", f"SUBGROUP {a}{b}", "2026", (), "ATC level 3", (l2,)))
            for c in "ABC":
                l4 = f"{l3}{c}"
                rows.append(ConceptRow(l4, "ATC", f"Class {a}{b}{c}", "2026", (), "ATC level 4", (l3,)))
                for d in "12":
                    rows.append(ConceptRow(f"{l4}0{d}", "ATC", f"drug{a}{b}{c}{d}", "2026", (), "ATC level 5", (l4,)))
    # one substance name in two classes: either class is right, neither may be a distractor of the other
    rows.append(ConceptRow("ATC:C01BA09", "ATC", "drug1AA1", "2026", (), "ATC level 5", ("ATC:C01BA",)))
    return rows


def _mesh_with_actions() -> tuple[list[ConceptRow], list[tuple[str, str]]]:
    actions = [ConceptRow("MESH:D0", "MESH", "Pharmacologic Actions", "2022")]
    for i in range(3):
        actions.append(ConceptRow(f"MESH:D{i + 1}", "MESH", f"Action family {i}", "2022", (), None, ("MESH:D0",)))
        for j in range(4):
            actions.append(
                ConceptRow(f"MESH:D{i + 1}{j}", "MESH", f"Action {i}-{j} agents", "2022", (), None, (f"MESH:D{i + 1}",))
            )
    chemicals = [ConceptRow(f"MESH:C{n}", "MESH", f"chemical {n}", "2022") for n in range(20)]
    pairs = [(f"MESH:C{n}", f"MESH:D{n % 3 + 1}{n % 4}") for n in range(20)]
    pairs += [("MESH:C0", "MESH:D1")]  # an action and its parent: neither may be a distractor
    return actions + chemicals, pairs


def _inputs() -> KnowledgeInputs:
    mesh, pairs = _mesh_with_actions()
    return KnowledgeInputs((*_tree("HP", "HP"), *_ambiguous(), *_tree("DOID", "DOID"), *_atc(), *mesh), tuple(pairs))


def _index(inputs: KnowledgeInputs) -> tuple[dict[str, ConceptRow], dict[str, set[str]], dict[str, set[str]]]:
    by = {c.curie: c for c in inputs.concepts}
    ancestors: dict[str, set[str]] = {}
    for curie in by:
        seen, todo = set(), list(by[curie].parents)
        while todo:
            p = todo.pop()
            if p in by and p not in seen:
                seen.add(p)
                todo.extend(by[p].parents)
        ancestors[curie] = seen
    descendants: dict[str, set[str]] = defaultdict(set)
    for curie, ups in ancestors.items():
        for up in ups:
            descendants[up].add(curie)
    return by, ancestors, descendants


def _options(record: dict) -> tuple[str, list[str]]:
    answer = record["options"][record["answer"]]
    return answer, [t for letter, t in record["options"].items() if letter != record["answer"]]


def test_hierarchy_answers_are_parents_and_no_distractor_is_an_ancestor_or_descendant() -> None:
    inputs = _inputs()
    by, ancestors, descendants = _index(inputs)
    result = build_knowledge("knowledge_hierarchy", inputs, 0)
    assert {i.record["metadata"]["vocabulary"] for i in result.items} == {"HP", "DOID", "ATC", "MESH"}
    for item in result.items:
        meta = item.record["metadata"]
        subject = by[meta["subject"]]
        assert meta["answer_curie"] in subject.parents
        answer, wrong = _options(item.record)
        assert _norm(answer) == _norm(by[meta["answer_curie"]].name)
        assert len(set(map(_norm, item.record["options"].values()))) == 4
        same = [c for c in by.values() if c.vocabulary == subject.vocabulary and _norm(c.name) == _norm(subject.name)]
        forbidden = {x for c in same for x in (c.curie, *ancestors[c.curie], *descendants[c.curie])}
        assert not forbidden & set(meta["distractor_curies"]), item.id
        assert not {_norm(by[c].name) for c in forbidden} & set(map(_norm, wrong)), item.id
        assert meta["generator"] == "trialgraph-knowledge" and meta["seed"] == 0 and meta["version"]
        assert "level 5" not in (subject.kind or "")  # substances are the ATC-class task's


def test_synonym_answers_are_listed_and_no_distractor_names_the_subject_or_a_concept_sharing_a_string() -> None:
    inputs = _inputs()
    by, ancestors, descendants = _index(inputs)
    result = build_knowledge("knowledge_synonyms", inputs, 0)
    assert len(result.items) > 60
    strings = {c.curie: {_norm(s) for s in (c.name, *c.synonyms)} for c in by.values()}
    for item in result.items:
        subject = by[item.record["metadata"]["subject"]]
        answer, wrong = _options(item.record)
        assert _norm(answer) in {_norm(s) for s in subject.synonyms} and _norm(answer) != _norm(subject.name)
        sharing = {c for c, s in strings.items() if s & strings[subject.curie]}
        blocked = {x for c in sharing for x in (c, *ancestors[c], *descendants[c])}
        blocked_strings = {s for c in blocked for s in strings[c]}
        assert not set(map(_norm, wrong)) & blocked_strings, item.id
    first = next(i for i in result.items if i.record["metadata"]["subject"] == "HP:A")
    assert "beta sign" not in map(_norm, first.record["options"].values())


def test_atc_class_counts_every_class_of_the_substance_name_as_right() -> None:
    inputs = _inputs()
    by, _, _ = _index(inputs)
    result = build_knowledge("knowledge_atc_class", inputs, 0)
    assert len(result.items) == 25  # 24 substances + the second 'drug1AA1'
    for item in result.items:
        meta = item.record["metadata"]
        subject = by[meta["subject"]]
        assert meta["answer_curie"] == subject.parents[0] and by[meta["answer_curie"]].kind == "ATC level 4"
        classes = {c.parents[0] for c in by.values() if c.kind == "ATC level 5" and c.name == subject.name}
        assert not classes & set(meta["distractor_curies"])
        assert all(by[c].kind == "ATC level 4" for c in meta["distractor_curies"])
        if subject.name == "drug1AA1":
            assert set(meta["all_classes"]) == {"ATC:C01AA", "ATC:C01BA"}


def test_pharmacological_action_distractors_are_actions_the_chemical_does_not_have() -> None:
    inputs = _inputs()
    _by, ancestors, descendants = _index(inputs)
    result = build_knowledge("knowledge_pharmacological_action", inputs, 0)
    assert len(result.items) == 20
    has = defaultdict(set)
    for chemical, action in inputs.pharmacological_actions:
        has[chemical].add(action)
    pool = {a for _, a in inputs.pharmacological_actions}
    for item in result.items:
        meta = item.record["metadata"]
        assert meta["answer_curie"] in has[meta["subject"]]
        own = has[meta["subject"]]
        blocked = {x for a in own for x in (a, *ancestors[a], *descendants[a])}
        assert not blocked & set(meta["distractor_curies"]) and set(meta["distractor_curies"]) <= pool
    c0 = next(i for i in result.items if i.record["metadata"]["subject"] == "MESH:C0")
    assert "MESH:D1" not in c0.record["metadata"]["distractor_curies"]


def test_splits_are_by_subject_name_and_builds_are_deterministic_by_seed() -> None:
    inputs = _inputs()
    sides: dict[str, set[str]] = defaultdict(set)
    for task in KNOWLEDGE:
        first, again = build_knowledge(task, inputs, 3), build_knowledge(task, inputs, 3)
        assert [i.record for i in first.items] == [i.record for i in again.items]
        for item in first.items:
            meta = item.record["metadata"]
            subject = next(c for c in inputs.concepts if c.curie == meta["subject"])
            sides[_norm(subject.name)].add(item.split)
    # one side per subject name, across every knowledge task and every vocabulary that uses the name
    assert all(len(s) == 1 for s in sides.values())
    assert {s for v in sides.values() for s in v} == {"train", "validation", "test"}
    other = build_knowledge("knowledge_hierarchy", inputs, 4)
    assert [i.record for i in other.items] != [
        i.record for i in build_knowledge("knowledge_hierarchy", inputs, 3).items
    ]
    # another seed reorders options and distractors, never the split: the same subjects are held out
    assert {(i.id, i.split) for i in other.items} == {
        (i.id, i.split) for i in build_knowledge("knowledge_hierarchy", inputs, 3).items
    }
    letters = {i.answer for i in build_knowledge("knowledge_hierarchy", inputs, 3).items}
    assert letters == set("ABCD")


def test_a_vocabulary_is_capped_and_missing_vocabularies_are_counted() -> None:
    root = ConceptRow("HP:R", "HP", "root", "v1")
    groups = [ConceptRow(f"HP:G{g}", "HP", f"group {g}", "v1", (), None, ("HP:R",)) for g in range(30)]
    leaves = [ConceptRow(f"HP:L{n}", "HP", f"leaf {n}", "v1", (), None, (f"HP:G{n % 30}",)) for n in range(2100)]
    result = build_knowledge("knowledge_hierarchy", KnowledgeInputs((root, *groups, *leaves)), 0)
    assert len(result.items) == MAX_ITEMS_PER_VOCABULARY
    assert result.skipped["HP: beyond the cap of 2000 items"] == 2130 - MAX_ITEMS_PER_VOCABULARY
    assert result.skipped["MESH: no concepts in the graph (load the vocabulary first)"] == 1


def test_registered_as_multiple_choice_and_without_vocabularies_left_out_with_a_reason(tmp_path: Path) -> None:
    from trialgraph.models.tasks.dataset import write_task

    split = Split(side={}, cut_date=None, undated=())
    for task in KNOWLEDGE:
        assert TASKS[task].kind == "mcq" and TASKS[task].source == "ontologies"
        assert build_task(task, TaskInputs((), split)).skipped == {"the vocabularies were not read from the graph": 1}
    inputs = _inputs()
    result = build_task("knowledge_hierarchy", TaskInputs((), split, knowledge=inputs))
    meta = {"task": "knowledge_hierarchy", "seed": 0, "cut_date": None, "context_trials": 0, "software_version": "t"}
    meta |= {"vocabularies": vocabulary_summary(result, inputs.concepts), "graph_context": "none"}
    dataset = write_task(tmp_path / "knowledge_hierarchy", result, {}, meta=meta)
    card = (tmp_path / "knowledge_hierarchy" / "README.md").read_text()
    hp = sum(1 for i in result.items if i.record["metadata"]["vocabulary"] == "HP" and i.split == "train")
    assert f"| HP | v1 | {hp} |" in card and "| ATC | 2026 |" in card
    assert dataset.rows["test"] and all(row["graph_context"] == "" for row in dataset.rows["test"])
    record = json.loads(dataset.rows["test"][0]["record"])
    assert record["answer"] in record["options"] and len(record["options"]) == 4
