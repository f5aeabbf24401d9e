"""Medical-knowledge multiple choice from the loaded vocabularies (ClinicalGPT-style knowledge dimensions).

Four tasks, each right by construction because question, answer and distractors are all read off the same graph:

- ``knowledge_hierarchy``: a direct parent (``BROADER``) of a concept, per vocabulary (ATC: levels 2-4; level-5
  substances are ``knowledge_atc_class``);
- ``knowledge_synonyms``: a string the vocabulary lists as a synonym (MeSH entry terms, OBO synonym lines);
- ``knowledge_atc_class``: the level-4 class of a level-5 ATC substance;
- ``knowledge_pharmacological_action``: a MeSH pharmacological action of a chemical.

A subject is asked about by its name, so every concept of its vocabulary with the same name (case and spacing
ignored) counts as the subject too: their parents, synonyms, classes or actions are all right answers, and
none of them, nor their ancestors or descendants, is ever a distractor. Distractors are hard negatives first
(siblings of the answer, then of the subject, then concepts as deep as the answer), and among the closest
``SHORTLIST`` those sharing as many words with the question as the answer does, so word overlap is no tell.

Splits are by subject name: a seeded hash of (vocabulary, normalised name) puts a subject, and every concept
named like it, on one side for every knowledge task. Concepts are not held out, facts are: a test item's answer
concept may be a training item's subject, answer or distractor (a vocabulary's concept list is public; what a
test item asks is the one edge from its subject, which no other split's item states).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from trialgraph.models.tasks.items import BuildResult, TaskItem
from trialgraph.models.tasks.splits import TEST_SHARE, VALIDATION_SHARE

__all__ = [
    "GENERATOR",
    "GENERATOR_VERSION",
    "KNOWLEDGE_BUILDERS",
    "KNOWLEDGE_VOCABULARIES",
    "MAX_ITEMS_PER_VOCABULARY",
    "ConceptRow",
    "KnowledgeInputs",
    "knowledge_side",
    "normalized",
    "vocabulary_summary",
]

GENERATOR = "trialgraph-knowledge"
GENERATOR_VERSION = "1"
KNOWLEDGE_VOCABULARIES = ("MESH", "MONDO", "DOID", "HP", "ATC")
VOCABULARY_LABELS = {
    "MESH": "MeSH",
    "MONDO": "MONDO",
    "DOID": "the Disease Ontology",
    "HP": "the Human Phenotype Ontology",
    "ATC": "the ATC classification",
}
MAX_ITEMS_PER_VOCABULARY = 2000  # per task: a seeded sample keeps the build linear and small
MAX_CLASSES_PER_SUBSTANCE_NAME = 5  # 'combinations', 'various': not a drug a question can name
LETTERS = "ABCD"
OPTIONS = 4
SHORTLIST = 20
FALLBACK_SAMPLE = 60
MAX_OPTION_CHARS = 300
PHARMACOLOGICAL_ACTION = "pharmacologicalAction"
ATC_SUBSTANCE_LEVEL = 5
ATC_CLASS_LEVEL = 4


def normalized(text: str) -> str:
    """Case and spacing ignored: how two strings are judged the same name."""
    return " ".join(text.casefold().split())


def _words(text: str) -> set[str]:
    return set("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()


def knowledge_side(name: str) -> str:
    """train, validation or test for a subject: a hash of its normalised name alone, in the shares of the trial
    splits (``TEST_SHARE``, ``VALIDATION_SHARE``). Neither the vocabulary nor the build seed enters it: a disease
    named alike in MeSH, MONDO and DOID is on one side, and builds with different seeds share their test subjects
    (training on one build and testing on another cannot leak)."""
    bucket = int(hashlib.sha256(f"knowledge-split\x1f{normalized(name)}".encode()).hexdigest()[:12], 16) / 16**12
    if bucket < TEST_SHARE:
        return "test"
    return "validation" if bucket < TEST_SHARE + VALIDATION_SHARE else "train"


@dataclass(frozen=True, slots=True)
class ConceptRow:
    """One concept as the builders see it (a row of ``read/knowledge_concepts``)."""

    curie: str
    vocabulary: str
    name: str
    version: str | None = None
    synonyms: tuple[str, ...] = ()
    kind: str | None = None
    parents: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ConceptRow:
        return cls(
            curie=row["curie"],
            vocabulary=row["vocabulary"],
            name=" ".join((row.get("name") or "").split()),
            version=row.get("version"),
            synonyms=tuple(s for s in row.get("synonyms") or () if s and s.strip()),
            kind=row.get("kind"),
            parents=tuple(sorted(set(row.get("parents") or ()))),
        )


@dataclass(frozen=True, slots=True)
class KnowledgeInputs:
    """Concepts of the knowledge vocabularies and MeSH pharmacological actions (chemical curie, action curie)."""

    concepts: Sequence[ConceptRow] = ()
    pharmacological_actions: Sequence[tuple[str, str]] = ()


def _display(concept: ConceptRow) -> ConceptRow:
    """ATC writes levels 1-3 in capitals and 4-5 in lower case: shown as they are, the case would tell the level
    (and so which option can be a parent). Capitals become sentence case; other names are left alone."""
    if concept.vocabulary != "ATC" or not concept.name.isupper():
        return concept
    return replace(concept, name=concept.name.capitalize())


class _Vocabulary:
    """One vocabulary's concepts indexed: by curie, by normalised string, children, memoised ancestors/depth."""

    def __init__(self, concepts: Iterable[ConceptRow]) -> None:
        self.by_curie = {c.curie: _display(c) for c in concepts if c.name}
        self.children: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_string: dict[str, set[str]] = defaultdict(set)
        for c in self.by_curie.values():
            for parent in c.parents:
                if parent in self.by_curie:
                    self.children[parent].append(c.curie)
            self.by_name[normalized(c.name)].append(c.curie)
            for text in self.strings(c.curie):
                self.by_string[text].add(c.curie)
        self._ancestors: dict[str, frozenset[str]] = {}
        self._depth: dict[str, int] = {}

    def parents(self, curie: str) -> tuple[str, ...]:
        return tuple(p for p in self.by_curie[curie].parents if p in self.by_curie)

    def strings(self, curie: str) -> set[str]:
        c = self.by_curie[curie]
        return {normalized(s) for s in (c.name, *c.synonyms)}

    def ancestors(self, curie: str) -> frozenset[str]:
        """Every concept above ``curie`` (not itself); iterative, so a deep or cyclic hierarchy is no recursion."""
        if curie in self._ancestors:
            return self._ancestors[curie]
        seen: set[str] = set()
        stack = list(self.parents(curie))
        while stack:
            node = stack.pop()
            if node in seen or node == curie:
                continue
            seen.add(node)
            stack.extend(self.parents(node))
        self._ancestors[curie] = frozenset(seen)
        return self._ancestors[curie]

    def descendants(self, curie: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.children.get(curie, ()))
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.children.get(node, ()))
        return seen

    def depth(self, curie: str) -> int:
        """Shortest number of BROADER steps to a root."""
        if curie not in self._depth:
            self._depth[curie] = 0  # guards a cycle
            parents = self.parents(curie)
            self._depth[curie] = 1 + min(self.depth(p) for p in parents) if parents else 0
        return self._depth[curie]

    def same_named(self, curie: str) -> list[str]:
        return self.by_name[normalized(self.by_curie[curie].name)]

    def related(self, curies: Iterable[str]) -> set[str]:
        """The concepts, their ancestors and their descendants: none of them may be a distractor."""
        out: set[str] = set()
        for curie in curies:
            out |= {curie, *self.ancestors(curie), *self.descendants(curie)}
        return out

    def siblings(self, curie: str) -> list[str]:
        """Other children of ``curie``'s parents, in curie order."""
        return sorted({s for p in self.parents(curie) for s in self.children.get(p, ()) if s != curie})


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_OPTION_CHARS else text[: MAX_OPTION_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class _Candidate:
    text: str
    curie: str


@dataclass
class _Question:
    """What one item needs before its options are shuffled."""

    subject: ConceptRow
    question: str
    answer: _Candidate
    tiers: list[list[_Candidate]]  # hard negatives first
    forbidden_texts: set[str]  # normalised strings no distractor may be
    metadata: dict[str, Any] = field(default_factory=dict)


def _distractors(q: _Question, seed: int, task: str) -> list[_Candidate] | None:
    """Three distractors: the ``SHORTLIST`` nearest candidates (tier order, seeded within a tier), then those
    whose word overlap with the question is closest to the answer's."""
    question_words = _words(q.question)
    answer_overlap = len(_words(q.answer.text) & question_words)
    seen = set(q.forbidden_texts) | {normalized(q.answer.text)}
    shortlist: list[tuple[int, int, _Candidate]] = []
    for tier in q.tiers:
        ordered = sorted(tier, key=lambda c: _rank(seed, task, q.subject.curie, c.curie, c.text))
        for candidate in ordered:
            key = normalized(candidate.text)
            if key in seen:
                continue
            seen.add(key)
            gap = abs(len(_words(candidate.text) & question_words) - answer_overlap)
            shortlist.append((gap, len(shortlist), candidate))
            if len(shortlist) == SHORTLIST:
                break
        if len(shortlist) == SHORTLIST:
            break
    if len(shortlist) < OPTIONS - 1:
        return None
    return [c for _gap, _order, c in sorted(shortlist, key=lambda s: (s[0], s[1]))[: OPTIONS - 1]]


def _item(task: str, q: _Question, seed: int, result: BuildResult) -> bool:
    distractors = _distractors(q, seed, task)
    if distractors is None:
        result.skipped[f"{q.subject.vocabulary}: too few distinct distractors"] += 1
        return False
    texts = [q.answer, *distractors]
    order = list(range(OPTIONS))
    _rng(seed, task, q.subject.curie).shuffle(order)
    options = {LETTERS[i]: _cut(texts[j].text) for i, j in enumerate(order)}
    letter = LETTERS[order.index(0)]
    record = {
        "id": f"{task}:{q.subject.curie}",
        "question": q.question,
        "options": options,
        "answer": letter,
        "metadata": {
            "vocabulary": q.subject.vocabulary,
            "version": q.subject.version,
            "subject": q.subject.curie,
            "answer_curie": q.answer.curie,
            "distractor_curies": [d.curie for d in distractors],
            "generator": GENERATOR,
            "generator_version": GENERATOR_VERSION,
            "seed": seed,
            **q.metadata,
        },
    }
    side = knowledge_side(q.subject.name)
    result.items.append(TaskItem(record["id"], task, "", side, record, letter, "", record["id"]))
    return True


def _sample(vocab: _Vocabulary, pool: Sequence[str], seed: int, *parts: str) -> list[str]:
    rng = _rng(seed, "sample", *parts)
    return rng.sample(list(pool), min(len(pool), FALLBACK_SAMPLE))


def _named(vocab: _Vocabulary, curies: Iterable[str]) -> list[_Candidate]:
    return [_Candidate(vocab.by_curie[c].name, c) for c in curies if c in vocab.by_curie]


# --- the question makers: a subject -> its question, or the reason it has none ------------------------------

_Maker = Callable[[_Vocabulary, ConceptRow, int, "_Shared"], "_Question | str"]


@dataclass
class _Shared:
    """Per-vocabulary pools a maker draws fallback candidates from (built once per build)."""

    by_depth: dict[int, list[str]] = field(default_factory=dict)
    everyone: list[str] = field(default_factory=list)
    actions: dict[str, set[str]] = field(default_factory=dict)  # chemical -> its actions
    action_pool: list[str] = field(default_factory=list)


def _atc_level(concept: ConceptRow) -> int | None:
    digits = "".join(ch for ch in (concept.kind or "") if ch.isdigit())
    return int(digits) if digits else None


def _hierarchy(vocab: _Vocabulary, subject: ConceptRow, seed: int, shared: _Shared) -> _Question | str:
    if subject.vocabulary == "ATC" and _atc_level(subject) == ATC_SUBSTANCE_LEVEL:
        return "ATC level-5 substance (asked by knowledge_atc_class)"
    parents = vocab.parents(subject.curie)
    if not parents:
        return "no parent (a root)"
    group = vocab.same_named(subject.curie)
    forbidden = vocab.related(group)
    answer = _rng(seed, "answer", subject.curie).choice(parents)
    depth = vocab.depth(answer)
    tiers = [
        _named(vocab, [c for c in vocab.siblings(answer) if c not in forbidden]),
        _named(vocab, [c for c in vocab.siblings(subject.curie) if c not in forbidden]),
        _named(vocab, [c for c in _sample(vocab, shared.by_depth.get(depth, []), seed, subject.curie)]),
        _named(vocab, [c for c in _sample(vocab, shared.everyone, seed, subject.curie, "all") if c not in forbidden]),
    ]
    tiers = [[c for c in tier if c.curie not in forbidden] for tier in tiers]
    label = VOCABULARY_LABELS[subject.vocabulary]
    question = f'In {label}, which of these is a direct broader concept (parent) of "{subject.name}"?'
    return _Question(
        subject,
        question,
        _Candidate(vocab.by_curie[answer].name, answer),
        tiers,
        {normalized(vocab.by_curie[c].name) for c in forbidden},
        {"all_parents": sorted({p for g in group for p in vocab.parents(g)})},
    )


def _is_permutation(a: str, b: str) -> bool:
    """MeSH lists inverted forms ('Diabetes Mellitus, Type 2' / 'Type 2 Diabetes Mellitus' is not one, but
    'Anemia, Sickle Cell' / 'Sickle Cell Anemia' is): a reordering of the name asks nothing."""
    return sorted(_words(a)) == sorted(_words(b))


def _synonyms(vocab: _Vocabulary, subject: ConceptRow, seed: int, shared: _Shared) -> _Question | str:
    own = vocab.strings(subject.curie)
    choices = sorted(
        s
        for s in set(subject.synonyms)
        if normalized(s) != normalized(subject.name) and not _is_permutation(s, subject.name)
    )
    if not choices:
        return "no synonym other than a reordering of the name"
    # every concept sharing one of the subject's strings could be what the question means
    sharing = {c for text in own for c in vocab.by_string.get(text, ())}
    forbidden = vocab.related(sharing)
    forbidden_texts = {t for c in forbidden for t in vocab.strings(c)}
    answer = _rng(seed, "answer", subject.curie).choice(choices)

    def strings_of(curies: Iterable[str]) -> list[_Candidate]:
        return [
            _Candidate(s, c)
            for c in curies
            if c not in forbidden
            for s in (vocab.by_curie[c].name, *vocab.by_curie[c].synonyms)
        ]

    depth = vocab.depth(subject.curie)
    tiers = [
        strings_of(vocab.siblings(subject.curie)),
        strings_of(s for p in vocab.parents(subject.curie) for s in vocab.siblings(p)),
        strings_of(_sample(vocab, shared.by_depth.get(depth, []), seed, subject.curie)),
        strings_of(_sample(vocab, shared.everyone, seed, subject.curie, "all")),
    ]
    label = VOCABULARY_LABELS[subject.vocabulary]
    question = f'Which of these terms does {label} list as a synonym of "{subject.name}"?'
    return _Question(subject, question, _Candidate(answer, subject.curie), tiers, forbidden_texts)


def _atc_class(vocab: _Vocabulary, subject: ConceptRow, seed: int, shared: _Shared) -> _Question | str:
    if _atc_level(subject) != ATC_SUBSTANCE_LEVEL:
        return "not an ATC level-5 substance"
    parents = [p for p in vocab.parents(subject.curie) if _atc_level(vocab.by_curie[p]) == ATC_CLASS_LEVEL]
    if not parents:
        return "no level-4 class"
    group = vocab.same_named(subject.curie)
    classes = {p for g in group for p in vocab.parents(g)}
    if len(classes) > MAX_CLASSES_PER_SUBSTANCE_NAME:
        return f"name names substances in more than {MAX_CLASSES_PER_SUBSTANCE_NAME} classes"
    answer = parents[0]
    forbidden = classes | {a for c in classes for a in vocab.ancestors(c)}
    level3 = vocab.parents(answer)
    level2 = {g for p in level3 for g in vocab.parents(p)}
    cousins = sorted({c for p2 in level2 for p3 in vocab.children.get(p2, ()) for c in vocab.children.get(p3, ())})
    level4 = shared.by_depth.get(vocab.depth(answer), [])
    tiers = [
        _named(vocab, [c for c in vocab.siblings(answer) if c not in forbidden]),
        _named(vocab, [c for c in cousins if c not in forbidden]),
        _named(vocab, [c for c in _sample(vocab, level4, seed, subject.curie) if c not in forbidden]),
    ]
    question = f'To which ATC class (level 4) does the drug "{subject.name}" belong?'
    return _Question(
        subject,
        question,
        _Candidate(vocab.by_curie[answer].name, answer),
        tiers,
        {normalized(vocab.by_curie[c].name) for c in forbidden},
        {"all_classes": sorted(classes)},
    )


def _pharmacological_action(vocab: _Vocabulary, subject: ConceptRow, seed: int, shared: _Shared) -> _Question | str:
    actions = sorted(a for a in shared.actions.get(subject.curie, ()) if a in vocab.by_curie)
    if not actions:
        return "no pharmacological action"
    group = vocab.same_named(subject.curie)
    all_actions = {a for g in group for a in shared.actions.get(g, ()) if a in vocab.by_curie}
    forbidden = vocab.related(all_actions) | set(group)
    answer = _rng(seed, "answer", subject.curie).choice(actions)
    pool = set(shared.action_pool)
    tiers = [
        _named(vocab, [c for c in vocab.siblings(answer) if c in pool and c not in forbidden]),
        _named(vocab, [c for c in _sample(vocab, shared.action_pool, seed, subject.curie) if c not in forbidden]),
    ]
    question = f'Which of these does MeSH list as a pharmacological action of "{subject.name}"?'
    return _Question(
        subject,
        question,
        _Candidate(vocab.by_curie[answer].name, answer),
        tiers,
        {normalized(vocab.by_curie[c].name) for c in forbidden},
        {"all_actions": sorted(all_actions)},
    )


@dataclass(frozen=True, slots=True)
class _KnowledgeTask:
    make: _Maker
    vocabularies: tuple[str, ...]
    subjects: Callable[[_Vocabulary, _Shared], list[str]]
    missing: str  # why a loaded vocabulary gives no subject at all


def _with_parents(vocab: _Vocabulary, _shared: _Shared) -> list[str]:
    return [c for c in vocab.by_curie if vocab.parents(c)]


def _with_synonyms(vocab: _Vocabulary, _shared: _Shared) -> list[str]:
    return [c for c, row in vocab.by_curie.items() if row.synonyms]


def _with_actions(_vocab: _Vocabulary, shared: _Shared) -> list[str]:
    return sorted(shared.actions)


KNOWLEDGE_TASKS: dict[str, _KnowledgeTask] = {
    "knowledge_hierarchy": _KnowledgeTask(_hierarchy, KNOWLEDGE_VOCABULARIES, _with_parents, "no concept has a parent"),
    "knowledge_synonyms": _KnowledgeTask(
        _synonyms, ("MESH", "MONDO", "DOID", "HP"), _with_synonyms, "no concept has a synonym in the loaded file"
    ),
    "knowledge_atc_class": _KnowledgeTask(_atc_class, ("ATC",), _with_parents, "no substance has a class"),
    "knowledge_pharmacological_action": _KnowledgeTask(
        _pharmacological_action, ("MESH",), _with_actions, "no pharmacological action loaded"
    ),
}


def _shared_pools(vocab: _Vocabulary, inputs: KnowledgeInputs, vocabulary: str) -> _Shared:
    shared = _Shared(everyone=sorted(vocab.by_curie))
    for curie in shared.everyone:
        shared.by_depth.setdefault(vocab.depth(curie), []).append(curie)
    if vocabulary == "MESH":
        for chemical, action in inputs.pharmacological_actions:
            if chemical in vocab.by_curie:
                shared.actions.setdefault(chemical, set()).add(action)
        shared.action_pool = sorted({a for acts in shared.actions.values() for a in acts if a in vocab.by_curie})
    return shared


def build_knowledge(task: str, inputs: KnowledgeInputs, seed: int) -> BuildResult:
    """Items of one knowledge task: per vocabulary, subjects in a seeded order until the cap is reached."""
    spec = KNOWLEDGE_TASKS[task]
    result = BuildResult()
    by_vocabulary: dict[str, list[ConceptRow]] = defaultdict(list)
    for concept in inputs.concepts:
        by_vocabulary[concept.vocabulary].append(concept)
    for vocabulary in spec.vocabularies:
        vocab = _Vocabulary(by_vocabulary.get(vocabulary, ()))
        if not vocab.by_curie:
            result.skipped[f"{vocabulary}: no concepts in the graph (load the vocabulary first)"] += 1
            continue
        shared = _shared_pools(vocab, inputs, vocabulary)
        subjects = sorted(spec.subjects(vocab, shared), key=lambda c: _rank(seed, task, "order", c))
        if not subjects:
            result.skipped[f"{vocabulary}: {spec.missing}"] += 1
        made = 0
        for curie in subjects:
            if made == MAX_ITEMS_PER_VOCABULARY:
                result.skipped[f"{vocabulary}: beyond the cap of {MAX_ITEMS_PER_VOCABULARY} items"] += 1
                continue
            question = spec.make(vocab, vocab.by_curie[curie], seed, shared)
            if isinstance(question, str):
                result.skipped[f"{vocabulary}: {question}"] += 1
                continue
            made += _item(task, question, seed, result)
    return result


def vocabulary_summary(result: BuildResult, concepts: Sequence[ConceptRow]) -> dict[str, dict[str, Any]]:
    """Per vocabulary: its versions in the graph and the items per split (what a card lists)."""
    versions: dict[str, set[str]] = defaultdict(set)
    for concept in concepts:
        if concept.version:
            versions[concept.vocabulary].add(concept.version)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for item in result.items:
        counts[item.record["metadata"]["vocabulary"]][item.split] += 1
    return {
        vocabulary: {
            "versions": sorted(versions.get(vocabulary, ())),
            "items": {side: counts[vocabulary][side] for side in ("train", "validation", "test")},
        }
        for vocabulary in sorted(counts)
    }


KNOWLEDGE_BUILDERS: dict[str, Callable[[KnowledgeInputs, int], BuildResult]] = {
    name: (lambda inputs, seed, _name=name: build_knowledge(_name, inputs, seed)) for name in KNOWLEDGE_TASKS
}
