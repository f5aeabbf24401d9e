"""The character 3-gram TF-IDF linker: scispaCy's candidate generation over the graph's own vocabularies.

scispaCy links by embedding a mention as TF-IDF over character 3-grams and taking the nearest concept
aliases (its ``CandidateGenerator``), then keeping the best candidate above a similarity threshold (its
``EntityLinker``, default 0.7). We keep that machinery and its file layout (``LinkerPaths``: vectorizer,
alias vectors, alias list; a ``KnowledgeBase`` JSONL of ``Entity`` rows) but build the knowledge base
from the concepts we load, so the linker and the graph always hold the same vocabulary version.

One component is replaced: the approximate nearest-neighbour index. scispaCy's builder needs
``scipy<1.11`` (float16 sparse matrices), which does not run on Python 3.11, and an HNSW index over the
263k MeSH 2022 aliases took 247 s to build on this 2-core machine (M=32, efConstruction=200), past the
two-minute target. Exact cosine similarity by one sparse matrix product per batch of mentions needs no
index at all: building is the TF-IDF fit (seconds), loading is reading two files, and the neighbours are
exact rather than approximate. :class:`SparseCandidateGenerator` answers with scispaCy's own
``MentionCandidate`` rows, so anything written against scispaCy's generator works with it.

Aliases and mentions are compared in American spelling (:func:`~trialgraph.models.linking.spelling.american`):
the TF-IDF is fitted on the respelled aliases, a query is respelled before it is embedded, and the alias map
also answers for the respelled form, so "diarrhoea" meets MeSH's "diarrhea" at similarity 1.0.

A mention links only to concepts of the types its field allows (MeSH tree branches: a condition to
C/F, an intervention to D/E), so a drug name is not linked to a disease with a similar spelling. A mention that
is exactly the name of a concept of another type is not linked at all: "Blood" in an adverse-event field names the
tissue, and the nearest allowed concept ("Blood Diseases", Hematologic Diseases) would be a look-alike, not what
was written (:data:`DECISION_RULES`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, NamedTuple, Protocol

from trialgraph.errors import ConfigError
from trialgraph.models.linking.dictionary import Link
from trialgraph.models.linking.spelling import RULES_VERSION, american

__all__ = [
    "DECISION_RULES",
    "EXACT",
    "METHOD_VERSION",
    "SOURCE",
    "THRESHOLD",
    "IndexManifest",
    "LinkerConcept",
    "Reranker",
    "SparseCandidateGenerator",
    "TfidfLinker",
    "build_index",
    "concepts_hash",
    "mesh_types",
]

SOURCE: Final = "trialgraph-tfidf"
# The index's aliases and every query are compared in American spelling (:mod:`.spelling`): the rules are part of
# the method, so an index built under other rules (or none: "tfidf-char3-1") is refused with the rebuild command.
METHOD_VERSION: Final = f"tfidf-char3-2+{RULES_VERSION}"
THRESHOLD: Final = 0.7  # scispaCy EntityLinker's default; fixed, not tuned on any evaluation split
# How a decision is taken from the candidates, apart from the index: part of every link's method version (so a
# change re-links), not of the index's (so it needs no rebuild). "exact-elsewhere-1": an exact name of a concept of
# a type the field does not allow refuses the look-alikes of the allowed types. "organism-infection-1": when that
# concept is an organism (MeSH B) and the field allows diseases, the infection heading named after it is linked
# instead ("Coronavirus" → Coronavirus Infections, "SARS-CoV-2" → COVID-19 by its entry term "SARS-CoV-2
# Infection"): a registry's condition field that names a pathogen means the infection, as NLM indexes it.
DECISION_RULES: Final = "exact-elsewhere-1+organism-infection-1"
ORGANISM_TYPE: Final = "B"
INFECTION_NAMES: Final = ("{} infection", "{} infections")
INFECTION_OF_ORGANISM: Final = "organism-infection"  # a link's matched_on when that rule chose it


class _Infection(NamedTuple):
    """A candidate the organism-infection rule proposes: scispaCy's ``MentionCandidate`` fields, its own type so a
    decision can say which rule made it."""

    concept_id: str
    aliases: list[str]
    similarities: list[float]


EXACT: Final = 1.0 - 1e-4  # the cosine of a text with its own alias, less float32 rounding
_FILES = ("tfidf_vectorizer.joblib", "tfidf_vectors_sparse.npz", "concept_aliases.json", "kb.jsonl")
# American forms of the names whose spelling the rules change, with their concepts: written by build_index so a
# load need not run the spelling rules over every name again (about half of a five-vocabulary index's load time).
# An index built before it existed has none, and its load respells the names itself: same map, slower.
RESPELLED = "respelled_aliases.json"

# MeSH supplementary concept record classes → the tree branch their descriptors live in
_SCR_BRANCH = {"SCR_Disease": "C", "SCR_Chemical": "D", "SCR_Protocol": "E", "SCR_Organism": "B"}


def mesh_types(tree_numbers: Iterable[str], kind: str | None) -> tuple[str, ...]:
    """A MeSH concept's coarse types: the tree branches (C diseases, D chemicals and drugs, E procedures...)."""
    branches = {number[0] for number in tree_numbers if number}
    if not branches and kind in _SCR_BRANCH:
        branches.add(_SCR_BRANCH[kind])
    return tuple(sorted(branches))


@dataclass(frozen=True, slots=True)
class LinkerConcept:
    """A concept as the linker's knowledge base holds it."""

    curie: str
    name: str | None
    synonyms: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexManifest:
    """What an index was built from: checked before linking, so a stale index is an error, not a silent drift."""

    method_version: str
    content_hash: str  # over the concepts' ids, names, synonyms and types
    concepts: int
    aliases: int
    vocabulary_versions: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def concepts_hash(concepts: Sequence[LinkerConcept]) -> str:
    digest = hashlib.sha256()
    for concept in sorted(concepts, key=lambda c: c.curie):
        digest.update(json.dumps([concept.curie, concept.name, sorted(concept.synonyms), concept.types]).encode())
    return digest.hexdigest()


def build_index(
    concepts: Sequence[LinkerConcept], folder: Path, *, vocabulary_versions: dict[str, str] | None = None
) -> IndexManifest:
    """Fit the TF-IDF vectorizer on every alias and write the index in scispaCy's layout under ``folder``."""
    import joblib
    import numpy as np
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    alias_to_curies: dict[str, set[str]] = {}
    respelled: dict[str, set[str]] = {}  # the American forms that differ from a name as written (see RESPELLED)
    for concept in concepts:
        for alias in {concept.name, *concept.synonyms} - {None, ""}:
            lower = alias.lower()  # type: ignore[union-attr]
            spelled = american(lower)
            alias_to_curies.setdefault(spelled, set()).add(concept.curie)
            if spelled != lower:
                respelled.setdefault(spelled, set()).add(concept.curie)
    if not alias_to_curies:
        raise ConfigError("no concepts to index: load a vocabulary first (trialgraph load mesh ...)")
    aliases = sorted(alias_to_curies)
    # scispaCy's vectorizer settings except min_df: its 10 drops every alias whose 3-grams are all rarer than
    # that ("NIDDM"), silently; 1 keeps every alias findable, and the vocabulary stays small (~17k 3-grams).
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, dtype=np.float32, lowercase=True)
    vectors = vectorizer.fit_transform(aliases).tocsr()
    non_empty = np.asarray(vectors.sum(axis=1) != 0).reshape(-1)
    aliases = [alias for alias, keep in zip(aliases, non_empty, strict=True) if keep]
    vectors = vectors[non_empty]
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(vectorizer, folder / "tfidf_vectorizer.joblib")
    scipy.sparse.save_npz(folder / "tfidf_vectors_sparse.npz", vectors)
    (folder / "concept_aliases.json").write_text(json.dumps(aliases), encoding="utf-8")
    respelled_rows = {spelled: sorted(curies) for spelled, curies in sorted(respelled.items())}
    (folder / RESPELLED).write_text(json.dumps(respelled_rows), encoding="utf-8")
    with (folder / "kb.jsonl").open("w", encoding="utf-8") as out:
        for concept in concepts:
            entity = {
                "concept_id": concept.curie,
                "canonical_name": concept.name or concept.curie,
                "aliases": sorted({s.lower() for s in concept.synonyms}),
                "types": list(concept.types),
            }
            out.write(json.dumps(entity) + "\n")
    manifest = IndexManifest(
        METHOD_VERSION, concepts_hash(concepts), len(concepts), len(aliases), dict(vocabulary_versions or {})
    )
    (folder / "manifest.json").write_text(json.dumps(manifest.as_dict(), indent=1), encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> IndexManifest:
    missing = [name for name in (*_FILES, "manifest.json") if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"no linker index at {folder} (missing {missing[0]}); run `trialgraph link build-index`")
    try:
        manifest = IndexManifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except (ValueError, TypeError) as e:  # cut short, or written by another version of TrialGraph
        raise ConfigError(
            f"the linker index manifest at {folder} cannot be read ({type(e).__name__}); rebuild it with "
            "`trialgraph link build-index`"
        ) from None
    if manifest.method_version != METHOD_VERSION:
        raise ConfigError(
            f"the linker index at {folder} was built by another linker method ({manifest.method_version}, this one "
            f"is {METHOD_VERSION}); rebuild it with `trialgraph link build-index`"
        )
    return manifest


_CHUNK = 256  # mentions per sparse product


class SparseCandidateGenerator:
    """scispaCy's ``CandidateGenerator`` contract with exact cosine neighbours from a sparse matrix product."""

    def __init__(self, folder: Path) -> None:
        import joblib
        import scipy.sparse
        from scispacy.linking_utils import KnowledgeBase

        self.manifest = read_manifest(folder)
        self.vectorizer = joblib.load(folder / "tfidf_vectorizer.joblib")
        self.alias_vectors_t = scipy.sparse.load_npz(folder / "tfidf_vectors_sparse.npz").T.tocsr()
        self.aliases: list[str] = json.loads((folder / "concept_aliases.json").read_text(encoding="utf-8"))
        self.kb = KnowledgeBase(str(folder / "kb.jsonl"))
        # The alias → concepts map comes from the kb's own index, plus the canonical names scispaCy's KB keeps
        # apart (its alias index holds names and aliases alike: the JSONL lists synonyms only, so add names).
        for curie, entity in self.kb.cui_to_entity.items():
            self.kb.alias_to_cuis.setdefault(entity.canonical_name.lower(), set()).add(curie)
        # The index's aliases are respelled (build_index): each respelled form answers for every alias it came from.
        for spelled, curies in self._respelled(folder).items():
            self.kb.alias_to_cuis.setdefault(spelled, set()).update(curies)

    def _respelled(self, folder: Path) -> dict[str, set[str]]:
        """Each American form that differs from a name as written → the concepts of those names: as build_index
        stored it, or (an older index) by respelling every name of the knowledge base here."""
        stored = folder / RESPELLED
        if stored.is_file():
            return {spelled: set(curies) for spelled, curies in json.loads(stored.read_text(encoding="utf-8")).items()}
        respelled: dict[str, set[str]] = {}
        for alias, curies in self.kb.alias_to_cuis.items():
            spelled = american(alias)
            if spelled != alias:
                respelled.setdefault(spelled, set()).update(curies)
        return respelled

    def __call__(self, mention_texts: list[str], k: int) -> list[list[Any]]:
        """Up to ``k`` nearest aliases per mention, grouped by concept, as scispaCy ``MentionCandidate``\\ s."""
        import numpy as np
        from scispacy.candidate_generation import MentionCandidate

        if not mention_texts:
            return []
        if len(mention_texts) > _CHUNK:  # the product's rows can hold ~100k entries each: bound the memory
            return [
                found
                for at in range(0, len(mention_texts), _CHUNK)
                for found in self(mention_texts[at : at + _CHUNK], k)
            ]
        queries = [american(text.lower()) for text in mention_texts]  # as the aliases were (build_index)
        similarities = (self.vectorizer.transform(queries) @ self.alias_vectors_t).tocsr()
        batch = []
        for row in range(len(mention_texts)):
            start, end = similarities.indptr[row], similarities.indptr[row + 1]
            values, columns = similarities.data[start:end], similarities.indices[start:end]
            if len(values) > k:  # the k largest without sorting every alias that shares a 3-gram
                top = np.argpartition(-values, k - 1)[:k]
                best = top[np.argsort(-values[top], kind="stable")]
            else:
                best = np.argsort(-values, kind="stable")
            by_concept: dict[str, tuple[list[str], list[float]]] = {}
            for position in best:
                alias = self.aliases[columns[position]]
                for curie in sorted(self.kb.alias_to_cuis.get(alias, ())):
                    aliases, scores = by_concept.setdefault(curie, ([], []))
                    aliases.append(alias)
                    scores.append(float(values[position]))
            batch.append([MentionCandidate(c, a, s) for c, (a, s) in sorted(by_concept.items())])
        return batch


class Reranker(Protocol):
    """What re-ranks a text's candidate concepts (:class:`~trialgraph.models.linking.dense.DenseReranker`)."""

    @property
    def name(self) -> str: ...

    def rerank(
        self, mentions: Sequence[str], candidates: Sequence[Sequence[tuple[str, Sequence[str]]]]
    ) -> list[list[str]]: ...


class TfidfLinker:
    """scispaCy's linking rule over :class:`SparseCandidateGenerator`: the best allowed candidate above a threshold.

    With a ``reranker``, the TF-IDF similarity still decides *whether* a text is linked (some allowed candidate
    at the threshold or above) and the re-ranker only decides *to which* of those candidates; a candidate the text
    names exactly keeps precedence (curated names first), so the re-ranker chooses among exact names when there
    are several, and among all candidates above the threshold only when none is exact.
    """

    def __init__(
        self, folder: Path, *, threshold: float = THRESHOLD, k: int = 30, reranker: Reranker | None = None
    ) -> None:
        self.generator = SparseCandidateGenerator(folder)
        self.threshold = threshold
        self.k = k
        self.reranker = reranker

    def reranked(self, reranker: Reranker | None) -> TfidfLinker:
        """This linker (same index, loaded once) deciding with ``reranker`` among its candidates."""
        linker = copy.copy(self)
        linker.reranker = reranker
        return linker

    @property
    def kb(self) -> Any:
        """The scispaCy ``KnowledgeBase`` whose concepts this linker's decisions name."""
        return self.generator.kb

    @property
    def method_version(self) -> str:
        rerank = f"+rerank:{self.reranker.name}" if self.reranker is not None else ""
        return f"{METHOD_VERSION}+{DECISION_RULES}+{self.generator.manifest.content_hash[:12]}{rerank}"

    def _eligible(self, candidates: Sequence[Any], allowed_types: frozenset[str] | None) -> list[tuple[float, Any]]:
        """The allowed candidates at the threshold or above, best first (ties: by id); none when the text is
        exactly a name of a concept of a disallowed type and of no allowed one (a look-alike would be wrong),
        unless that concept is an organism whose infection heading the types allow (:data:`DECISION_RULES`)."""
        kb = self.generator.kb.cui_to_entity
        eligible: list[tuple[float, Any]] = []
        named_elsewhere: list[Any] = []
        for candidate in candidates:  # sorted by id
            score = max(candidate.similarities)
            if score < self.threshold:
                continue
            if allowed_types is not None and not set(kb[candidate.concept_id].types) & allowed_types:
                if score >= EXACT:
                    named_elsewhere.append(candidate)
                continue
            eligible.append((score, candidate))
        eligible.sort(key=lambda pair: -pair[0])  # stable: equal scores keep the id order
        if named_elsewhere and not (eligible and eligible[0][0] >= EXACT):
            return self._infections(named_elsewhere, allowed_types)
        return eligible

    def _infections(self, named: Sequence[Any], allowed_types: frozenset[str] | None) -> list[tuple[float, Any]]:
        """The allowed concepts named "<organism> infection(s)" for any name of the organisms among ``named``,
        as exact candidates (first by id); none when ``named`` holds no organism or no such heading exists."""
        kb = self.generator.kb
        found: dict[str, list[str]] = {}
        for candidate in named:
            entity = kb.cui_to_entity[candidate.concept_id]
            if ORGANISM_TYPE not in entity.types:
                continue
            for name in (entity.canonical_name, *entity.aliases):
                for form in INFECTION_NAMES:
                    alias = american(form.format(name).lower())
                    for curie in kb.alias_to_cuis.get(alias, ()):
                        if allowed_types is None or set(kb.cui_to_entity[curie].types) & allowed_types:
                            found.setdefault(curie, []).append(alias)
        return [(1.0, _Infection(curie, sorted(set(aliases)), [1.0])) for curie, aliases in sorted(found.items())]

    def link_many(self, texts: Sequence[str], allowed_types: frozenset[str] | None = None) -> list[Link | None]:
        """One decision per text: the allowed concept with the most similar alias, if at least the threshold
        (with a re-ranker: the one it ranks first among those, exact names first).

        No decision when the text is exactly a name of a concept of a disallowed type and no allowed concept has
        that name too: the text means that concept, and an allowed look-alike would be a wrong link.
        """
        pools, how = [], []
        for candidates in self.generator(list(texts), self.k):
            eligible = self._eligible(candidates, allowed_types)
            exact = [pair for pair in eligible if pair[0] >= EXACT]
            pools.append(exact or eligible)
            how.append(INFECTION_OF_ORGANISM if eligible and isinstance(eligible[0][1], _Infection) else "tfidf")
        chosen = [pool[0] if pool else None for pool in pools]
        if self.reranker is not None:
            chosen = self._rerank(texts, pools, chosen)
        return [
            Link(text.lower(), pick[1].concept_id, matched_on, round(pick[0], 4)) if pick else None
            for text, pick, matched_on in zip(texts, chosen, how, strict=True)
        ]

    def _rerank(
        self, texts: Sequence[str], pools: list[list[tuple[float, Any]]], chosen: list[tuple[float, Any] | None]
    ) -> list[tuple[float, Any] | None]:
        """The re-ranker's first choice in each pool of more than one candidate (it sees each concept's name and
        the aliases that matched, as in the benchmarks)."""
        assert self.reranker is not None
        kb = self.generator.kb.cui_to_entity
        contested = [i for i, pool in enumerate(pools) if len(pool) > 1]
        if not contested:
            return chosen
        named = [
            [(c.concept_id, (kb[c.concept_id].canonical_name, *c.aliases)) for _, c in pools[i]] for i in contested
        ]
        rankings = self.reranker.rerank([texts[i] for i in contested], named)
        out = list(chosen)
        for i, ranking in zip(contested, rankings, strict=True):
            by_id = {c.concept_id: (score, c) for score, c in pools[i]}
            out[i] = by_id[ranking[0]]
        return out
