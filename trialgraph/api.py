"""The one library API that the CLI (and later HTTP and graph-RAG) are thin over."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from trialgraph import __version__
from trialgraph.errors import GraphError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.bulk import bulk_import
from trialgraph.kg.concepts import link_mesh_terms
from trialgraph.kg.dump import VOLATILE, DumpDifference, compare_dumps, write_dump
from trialgraph.kg.embeddings import embed_records, embedding_target
from trialgraph.kg.feed import FeedPlan, FeedReport, plan_update, run_update
from trialgraph.kg.graph import apply_schema, connect, refuse_outside_access, run_read
from trialgraph.kg.identity import IdentityReport, resolve_identities
from trialgraph.kg.link_scope import checked_scope
from trialgraph.kg.linking import LINKERS as LINK_METHODS
from trialgraph.kg.linking import build_linker_index, condition_links_by_vocabulary, link_conditions
from trialgraph.kg.load import load
from trialgraph.kg.mentions import TEXT_FIELDS, graph_linker, link_mentions, mentions_by_vocabulary
from trialgraph.kg.retrieval.context import Context, build_context
from trialgraph.kg.retrieval.hits import Hit
from trialgraph.kg.retrieval.patient_concepts import PatientConcepts, patient_concepts
from trialgraph.kg.retrieval.publications import PublicationHit
from trialgraph.kg.retrieval.publications import search_publications as rank_publications
from trialgraph.kg.retrieval.retrievers import (
    PATIENT_RETRIEVERS,
    FullTextRetriever,
    HybridRetriever,
    PatientMatch,
    PatientRetriever,
    SimilarTrials,
    TrialRetriever,
    VectorRetriever,
    evaluated_retrievers,
    retriever_factory,
)
from trialgraph.kg.tasks import build_tasks
from trialgraph.kg.writer import LoadReport, mark_interrupted_runs, require_paths
from trialgraph.link import Linker
from trialgraph.loaders.base import SOURCES, discover, names_written_by
from trialgraph.loaders.ctgov.api import CtgovApiClient
from trialgraph.models.encoders import ENCODERS, load_encoder
from trialgraph.models.linking.benchmarks import (
    NormalisationResult,
    evaluate_normalisation,
    long_forms,
    read_ncbi_disease,
    read_pubtator,
)
from trialgraph.models.linking.end_to_end import EndToEndResult, evaluate_end_to_end, read_documents
from trialgraph.models.linking.evaluate import FIELDS as LINKING_FIELDS
from trialgraph.models.linking.evaluate import (
    LINKERS,
    NlmComparison,
    compare_with_nlm,
    mesh_dictionary,
    read_studies,
    reranked_string_linker,
    tfidf_linker,
)
from trialgraph.models.rag.answering import Answer, ask_messages, make_answer
from trialgraph.models.retrieval.evaluate import (
    Cohort,
    CohortFigures,
    SimilarityFigures,
    SimilarityList,
    evaluate_cohort,
    evaluate_similarity,
    read_cohort,
    read_trialsim,
)
from trialgraph.models.retrieval.known_item import (
    STATED_SOURCES,
    KnownItemFigures,
    evaluate_known_items,
    paper_queries,
    twin_queries,
)
from trialgraph.models.retrieval.rendering import RecordText, render
from trialgraph.models.synth.trials.batch import Batch
from trialgraph.models.tasks.dataset import TaskDataset
from trialgraph.models.tasks.evidence import EVIDENCE_INFERENCE_DIR, read_evidence_inference
from trialgraph.models.tasks.labels import STOP_REASONS_FILE, read_stop_reasons
from trialgraph.settings import Settings, get_settings

if TYPE_CHECKING:
    from neo4j_graphrag.retrievers.base import Retriever

__all__ = [
    "DumpDifference",
    "GraphStats",
    "LinkingEvaluation",
    "NlmComparison",
    "TrialGraph",
    "bulk_load",
    "compare_dumps",
    "evaluate_linking",
    "source_names",
]

GraphStats = dict[str, list[dict[str, Any]]]


def source_names() -> list[str]:
    """Every name ``TrialGraph.load`` accepts: registries, vocabularies, publication sources, curated pairs."""
    return discover().names()


def bulk_load(
    source: str, paths: Iterable[Path | str], *, replace: bool = False, settings: Settings | None = None
) -> LoadReport:
    """First load of a registry source into an empty local graph through ``neo4j-admin import``.

    Not a method of a connection: the local server is stopped for the import and started again, so no
    driver can be held across it. The graph equals the one ``TrialGraph.load`` builds from the same files.
    """
    registries = names_written_by("records")
    if source not in registries:
        raise UnknownNameError(f"--bulk loads registry sources only; known: {', '.join(registries)}")
    return bulk_import(settings or get_settings(), SOURCES.create(source), [Path(p) for p in paths], replace=replace)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class LinkingEvaluation:
    """What ``evaluate_linking`` measured: agreement with NLM's indexing, and corpus normalisation accuracy."""

    nlm: tuple[NlmComparison, ...]
    normalisation: tuple[NormalisationResult, ...]
    end_to_end: tuple[EndToEndResult, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "nlm": [r.as_dict() for r in self.nlm],
            "normalisation": [r.as_dict() for r in self.normalisation],
            "end_to_end": [r.as_dict() for r in self.end_to_end],
        }


def evaluate_linking(
    mesh: Iterable[Path],
    studies: Iterable[Path],
    *,
    fields: Iterable[str] = ("conditions", "interventions"),
    linkers: Iterable[str] = ("exact", "tfidf", "tfidf+abbrev"),
    bc5cdr: Iterable[Path] = (),
    ncbi: Iterable[Path] = (),
    rerankers: Iterable[str] = ("none",),
    candidates: Iterable[str] = ("gazetteer",),
) -> LinkingEvaluation:
    """Linkers against NLM's direct MeSH browse terms of CT.gov records, and the TF-IDF linker's
    accuracy@1/@5 on BC5CDR (PubTator files) and NCBI Disease (corpus files) gold spans. No graph needed.

    ``mesh``: MeSH files (RDF or XML); ``studies``: CT.gov files of either format. ``rerankers``: the corpora
    are scored once per entry: ``none`` (TF-IDF alone), ``minilm`` (the untuned encoder re-ranking its
    candidates) or the folder of a sentence-transformers encoder (``link train-encoder``'s, or SapBERT).
    ``candidates``: the end-to-end figures are scored once per mention-candidate spec (``gazetteer`` alone, or
    e.g. ``noun-chunks``: :mod:`trialgraph.models.linking.candidates`). See
    :mod:`trialgraph.models.linking.evaluate` and :mod:`trialgraph.models.linking.benchmarks` for the rules.
    """
    mesh, studies, fields, linkers = list(mesh), list(studies), list(fields), list(linkers)
    bc5cdr, ncbi = list(bc5cdr), list(ncbi)
    if unknown := sorted(set(fields) - set(LINKING_FIELDS)):
        raise UnknownNameError(f"unknown field {unknown[0]!r}; known: {', '.join(LINKING_FIELDS)}")
    if unknown := sorted(set(linkers) - set(LINKERS)):
        raise UnknownNameError(f"unknown linker {unknown[0]!r}; known: {', '.join(LINKERS)}")
    require_paths([*mesh, *studies, *bc5cdr, *ncbi])
    dictionary = mesh_dictionary(mesh)
    records = list(read_studies(studies))
    dense = {name: load_reranker(name) for name in rerankers}  # each loaded once, before any long work
    nlm = []
    for name in linkers:
        link = LINKERS[name](dictionary, records)
        for field in fields:
            nlm.extend(compare_with_nlm(records, dictionary, field, linker=name, link=link))
    shared: Any = None  # one TF-IDF index for every re-ranked run
    for reranker, model in dense.items():
        if model is None:  # TF-IDF alone: the "tfidf" linker above
            continue
        shared = shared or tfidf_linker(dictionary)
        link = reranked_string_linker(shared, model)
        for field in fields:
            nlm.extend(compare_with_nlm(records, dictionary, field, linker=f"tfidf+rerank:{reranker}", link=link))
    normalisation = []
    if bc5cdr or ncbi:
        shared = shared or tfidf_linker(dictionary)
        corpora = [(p.name, list(read_pubtator(p))) for p in bc5cdr] + [
            (p.name, list(read_ncbi_disease(p))) for p in ncbi
        ]
        texts = [read_documents(p) for p in [*bc5cdr, *ncbi]]  # in the corpora's order (names may repeat)
        defined = [long_forms(documents) for documents in texts]  # each corpus's short forms, read once
        for model in dense.values():
            for (name, mentions), short_forms in zip(corpora, defined, strict=True):
                normalisation.extend(
                    evaluate_normalisation(name, mentions, shared, reranker=model, defined=short_forms)
                )
        # end to end: the free-text linker finds the mentions itself in each title and abstract; one gazetteer for
        # every candidate spec, and each spec's pipelines loaded (a bad one fails) before any corpus is read
        gazetteer = Linker.around(shared)
        gazetteer.link_many([])  # builds the gazetteer, shared by every spec's linker
        finders = {spec: gazetteer.with_candidates(spec) for spec in candidates}
        for finder in finders.values():
            _ = finder.method_version
        end_to_end = [
            result
            for spec, finder in finders.items()
            for (name, mentions), documents in zip(corpora, texts, strict=True)
            for result in evaluate_end_to_end(name, documents, mentions, finder.link_many, spec)
        ]
        return LinkingEvaluation(tuple(nlm), tuple(normalisation), tuple(end_to_end))
    return LinkingEvaluation(tuple(nlm), tuple(normalisation))


def _close(model: Any) -> None:
    """An endpoint model holds an HTTP connection pool; local models hold nothing to close."""
    close = getattr(model, "close", None)
    if close is not None:
        close()


def load_reranker(name: str) -> Any:
    """``none`` → no re-ranker; ``minilm`` → the installed MiniLM, untuned; else a sentence-transformers folder."""
    if name == "none":
        return None
    from trialgraph.models.linking.dense import DenseReranker

    folder = ENCODERS[name].model_path() if name in ENCODERS else Path(name)
    if not folder.is_dir():
        raise UnknownNameError(f"no encoder {name!r}: give none, {', '.join(ENCODERS)} or an encoder folder")
    return DenseReranker(folder)


def train_linker_encoder(
    index_folder: Path,
    out: Path,
    *,
    base: str = "minilm",
    max_pairs: int = 20_000,
    max_steps: int = -1,
    batch_size: int = 32,
    seed: int = 0,
) -> Any:
    """Fine-tune an encoder on synonym pairs of the linker index's concepts (self-alignment, as SapBERT), for
    the dense re-ranker; returns its card (also written beside the weights in ``out``)."""
    from trialgraph.models.linking.dense import synonym_pairs, train_encoder
    from trialgraph.models.linking.tfidf import SparseCandidateGenerator

    generator = SparseCandidateGenerator(index_folder)  # a one-line error if there is no index
    base_folder = ENCODERS[base].model_path() if base in ENCODERS else Path(base)
    if not base_folder.is_dir():
        raise UnknownNameError(f"no encoder {base!r}: give {', '.join(ENCODERS)} or an encoder folder")
    version = ENCODERS[base].version() if base in ENCODERS else "unknown"
    pairs = synonym_pairs(generator.kb, max_pairs=max_pairs, seed=seed)
    if not pairs:
        raise UnknownNameError("the linker index has no concept with two names: nothing to align")
    return train_encoder(
        base_folder, pairs, out, base_version=version, index_hash=generator.manifest.content_hash,
        seed=seed, batch_size=batch_size, max_steps=max_steps,
    )  # fmt: skip


class TrialGraph:
    """A connection to the trial graph: load sources, run named queries or ad-hoc read-only Cypher, get statistics.

    It holds no state beyond the driver: what a load did comes back in its report.

    Example:
        >>> with TrialGraph.connect() as tg:
        ...     tg.load("ctgov", ["studies.jsonl.gz"])
        ...     tg.run_query("trials_by_phase")
    """

    def __init__(self, driver: neo4j.Driver, settings: Settings) -> None:
        self.driver = driver
        self.settings = settings
        # the patient concept stage, loaded once per index build and graph state (its gazetteer takes seconds)
        self._patient_concepts: tuple[tuple[Any, ...], PatientConcepts | None, str | None] | None = None
        self._patient_concepts_lock = threading.Lock()  # a server's first requests build it once, not each

    @classmethod
    def connect(cls, settings: Settings | None = None) -> TrialGraph:
        settings = settings or get_settings()
        return cls(connect(settings), settings)

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> TrialGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self) -> int:
        return apply_schema(self.driver, database=self.settings.neo4j_database)

    def load(
        self,
        source: str,
        paths: Iterable[Path | str],
        *,
        batch_size: int | None = None,
        on_item: Callable[[LoadReport], None] | None = None,
    ) -> LoadReport:
        """Load files of a named source (``ctgov``, ``mesh``, ``pubmed``...; see ``source_names``).

        Constraints are created first; afterwards registry MeSH terms and cited trial ids are tied to the
        concepts and trials now in the graph, whichever was loaded first.
        """
        reader = discover().create(source)
        self.ensure_schema()
        report = load(
            self.driver,
            reader,
            [Path(p) for p in paths],
            quarantine_dir=self.settings.quarantine_dir,
            batch_size=batch_size or self.settings.batch_size,
            database=self.settings.neo4j_database,
            on_item=on_item,
        )
        try:
            link_mesh_terms(self.driver, load_run=report.run_id, database=self.settings.neo4j_database)
            report.identity = self.resolve_identities(only_pending=True)  # what this load touched, and its groups
        except (Neo4jError, DriverError) as e:
            raise GraphError(f"tying loaded data to trials failed: {getattr(e, 'message', None) or e}") from e
        return report

    def plan_update(
        self, source: str = "ctgov", *, since: str | None = None, query: str | None = None, today: date | None = None
    ) -> FeedPlan:
        """What ``update`` would fetch: the window since the last completed update (or ``since``), or the
        unfinished run it would resume. Makes no request."""
        if source != "ctgov":
            raise UnknownNameError(f"no update feed for {source!r}; known: ctgov")
        self.ensure_schema()
        return plan_update(self.driver, since=since, query=query, today=today, database=self.settings.neo4j_database)

    def update(
        self,
        plan: FeedPlan,
        *,
        client: CtgovApiClient | None = None,
        page_size: int = 1000,
        on_page: Callable[[FeedReport], None] | None = None,
    ) -> FeedReport:
        """Fetch the studies changed in ``plan``'s window from API v2 and write them like any CT.gov load.

        Each page is committed before the next is fetched, so a killed update resumes at the next call of
        ``plan_update`` with the same window. ``client`` defaults to the polite live client.
        """
        owned = client is None
        client = client or CtgovApiClient()
        try:
            return run_update(
                self.driver,
                client,
                plan,
                lambda path: self.load("ctgov", [path]),
                work_dir=self.settings.home / "updates",
                page_size=page_size,
                database=self.settings.neo4j_database,
                on_page=on_page,
            )
        finally:
            if owned:
                client.close()

    @property
    def linker_index_folder(self) -> Path:
        """Where ``build_linker_index`` writes the TF-IDF linker's index (under the state folder)."""
        return self.settings.home / "linker" / "tfidf"

    def build_linker_index(self) -> Any:
        """Build the TF-IDF linker's index from every concept in the graph; returns its manifest."""
        return build_linker_index(self.driver, self.linker_index_folder, database=self.settings.neo4j_database)

    def link(
        self,
        linker: str = "exact",
        *,
        batch_size: int | None = None,
        reranker: str = "none",
        sources: Iterable[str] | None = None,
    ) -> LoadReport:
        """Link every distinct condition string to concepts, with the linker named ``linker``.

        ``exact`` (source ``trialgraph-exact``): the string is a concept's name or synonym, ignoring case,
        punctuation and spacing. ``tfidf`` (source ``trialgraph-tfidf``): scispaCy's character 3-gram
        candidates over the index ``build_linker_index`` made, best disease-type concept at similarity
        ≥ 0.7. ``tfidf+abbrev`` (same source, its own method version): TF-IDF, with a string that is exactly a
        short form of the abbreviation dictionary ``build_linker_index`` mined linked through its long form.
        ``tfidf+nested`` and ``tfidf+abbrev+nested`` (same source, their own method versions) add the concepts
        whose preferred name is a shorter run of the string's words (:mod:`trialgraph.models.linking.nested`).
        Idempotent; queries use these links only when asked to trust their source. ``reranker`` (``none``,
        ``minilm`` or an encoder folder, as in ``evaluate_linking``) chooses among the TF-IDF linkers'
        candidates above the threshold; it is part of the edges' method version. ``sources`` (registry source
        names: ``ictrp``, ``euctr``...) links only the strings those registries' records study (see
        :mod:`trialgraph.kg.link_scope`).
        """
        if linker not in LINK_METHODS:
            raise UnknownNameError(f"unknown linker {linker!r}; known: {', '.join(LINK_METHODS)}")
        scope = checked_scope(sources)
        self.ensure_schema()
        database = self.settings.neo4j_database
        made = LINK_METHODS[linker](self.driver, self.linker_index_folder, database, load_reranker(reranker))
        return link_conditions(
            self.driver,
            made,
            quarantine_dir=self.settings.quarantine_dir,
            batch_size=batch_size or self.settings.batch_size,
            database=database,
            sources=scope,
        )

    def link_mentions(
        self,
        field: str = "criteria",
        *,
        batch_size: int = 500,
        on_item: Callable[[LoadReport], None] | None = None,
        reranker: str = "none",
        sources: Iterable[str] | None = None,
        candidates: str | None = None,
    ) -> LoadReport:
        """Find the concepts a kind of graph text names (``criteria``, ``outcomes``, ``summaries``, ``abstracts``,
        ``interventions``, ``adverse_events``, ``keywords``: the keys of ``TEXT_FIELDS``) and write them as
        ``MENTIONS`` edges (field, span, score, negation and history cues; source ``trialgraph-tfidf``), with the
        gazetteer and TF-IDF linker over the index ``build_linker_index`` made. Incremental: only text this index
        and these rules have not linked, or whose record changed, is read, so a re-run changes nothing.
        ``reranker`` chooses among each mention's candidates, as in :meth:`link`; it is part of the method version,
        so a run with another re-ranker re-links. ``sources`` reads only those registries' records (``pubmed``: the
        publications; see :mod:`trialgraph.kg.link_scope`); the rest stay as they are for a later run.
        ``candidates`` (default: the settings' ``link_candidates``) adds mention candidates beyond the gazetteer to
        prose fields (noun chunks, a trained NER model: :mod:`trialgraph.models.linking.candidates`); structured
        fields are each one name and take none. They are part of the method version, so another set re-links."""
        if field not in TEXT_FIELDS:
            raise UnknownNameError(f"unknown text field {field!r}; known: {', '.join(TEXT_FIELDS)}")
        scope = checked_scope(sources)
        self.ensure_schema()
        database = self.settings.neo4j_database
        linker = graph_linker(self.driver, self.linker_index_folder, database)
        if reranker != "none":
            linker = Linker.around(linker.tfidf.reranked(load_reranker(reranker)))
        if not TEXT_FIELDS[field].structured:
            linker = linker.with_candidates(self.settings.link_candidates if candidates is None else candidates)
        return link_mentions(
            self.driver,
            linker,
            field,
            quarantine_dir=self.settings.quarantine_dir,
            batch_size=batch_size,
            database=database,
            on_item=on_item,
            sources=scope,
        )

    def condition_links_by_vocabulary(self) -> list[dict[str, Any]]:
        """Condition strings each of TrialGraph's linkers tied to a concept, per vocabulary."""
        return condition_links_by_vocabulary(self.driver, self.settings.neo4j_database)

    def mentions_by_vocabulary(self) -> list[dict[str, Any]]:
        """The free-text linker's mentions per field and vocabulary, with how many are negated."""
        return mentions_by_vocabulary(self.driver, self.settings.neo4j_database)

    def embed(
        self,
        encoder: str = "minilm",
        *,
        target: str = "records",
        batch_size: int = 256,
        on_batch: Callable[[LoadReport], None] | None = None,
    ) -> LoadReport:
        """Encode every registry record (``target="records"``) or PubMed paper with a title or abstract
        (``target="publications"``) whose rendered text changed since it was last encoded, into the vector index of
        ``encoder`` for that target's rendering (one index per encoder and rendering; see
        :mod:`trialgraph.kg.embeddings`)."""
        chosen = embedding_target(target)  # an unknown target fails before the encoder loads
        self.ensure_schema()
        return embed_records(
            self.driver,
            load_encoder(encoder),
            quarantine_dir=self.settings.quarantine_dir,
            target=chosen.name,
            batch_size=batch_size,
            database=self.settings.neo4j_database,
            on_batch=on_batch,
        )

    def tasks_folder(self) -> Path:
        """Where ``build_tasks`` writes by default: the state folder's ``tasks/``."""
        return self.settings.home / "tasks"

    def build_tasks(
        self,
        out: Path | None = None,
        *,
        tasks: Iterable[str] | None = None,
        seed: int = 0,
        patients: Path | None = None,
    ) -> dict[str, TaskDataset]:
        """Build the clinical-research task datasets from this graph (see :mod:`trialgraph.models.tasks`).

        Termination types come from the shared data's stop-reason labels when ``TRIALGRAPH_SHARED_DATA`` is
        set; without them, terminated trials are still items, with no type (the card counts the labels used).
        ``patients`` is a ``synth patients`` notes file: the diagnosis and patient-eligibility tasks are built
        from it (and left out of a build of every task without it). The TREC CT eligibility task reads TrialGPT's
        cohorts from the shared data (left out of a build of every task when they are not there).
        """
        from trialgraph.models.retrieval.evaluate import read_cohort, shared_cohort_folders
        from trialgraph.models.synth.matching import read_notes
        from trialgraph.models.tasks.builders import TASKS, task_names

        labels: dict[str, str] = {}
        evidence, evidence_skipped = None, None
        shared = self.settings.shared_data
        if shared is not None and (shared / STOP_REASONS_FILE).is_file():
            labels = read_stop_reasons(shared / STOP_REASONS_FILE)
        if shared is not None and (shared / EVIDENCE_INFERENCE_DIR).is_dir():
            evidence, evidence_skipped = read_evidence_inference(shared / EVIDENCE_INFERENCE_DIR)
        wanted = list(tasks) if tasks else task_names()
        cohorts = None  # read only for a task built from them, so a bad qrels file fails nothing else
        if shared is not None and any(TASKS[name].source == "cohorts" for name in wanted if name in TASKS):
            cohorts = [read_cohort(f) for f in shared_cohort_folders(shared) if f.is_dir()] or None
        return build_tasks(
            self.driver,
            out or self.tasks_folder(),
            tasks=list(tasks) if tasks else None,
            stop_reasons=labels,
            evidence=evidence,
            evidence_skipped=evidence_skipped,
            seed=seed,
            database=self.settings.neo4j_database,
            software_version=__version__,
            patients=read_notes(patients) if patients is not None else None,
            cohorts=cohorts,
        )

    def synth_trials(
        self,
        labels: Iterable[Path],
        *,
        condition: str | None = None,
        intervention: str | None = None,
        phase: str | None = None,
        trial: str | None = None,
        count: int = 2,
        label: str = "balanced",
        pool: str = "graph",
        model: str = "smollm2-135m",
        k: int = 3,
        seed: int = 0,
        embed: bool = False,
        judge: Path | None = None,
        out: Path | None = None,
        chunk: int = 4,
    ) -> Batch:
        """Synthetic trials with outcome labels, grounded in labelled real trials (see :mod:`trialgraph.models.synth`).

        ``labels`` are outcome files in HINT's layout; with ``pool="graph"`` the exemplars are this graph's trials
        that have a label there, with ``pool="labels"`` the files' own rows. Nothing is written to the graph
        (``trialgraph load synthetic`` loads a batch under its own label). With ``out``, each finished seed is
        journalled beside it as it is made, and the same call again finishes an interrupted batch.
        """
        from trialgraph.kg.synth import graph_seeds_and_pool
        from trialgraph.models.synth.trials.run import synthesize

        seeds, exemplars = graph_seeds_and_pool(
            self.driver, list(labels), trial=trial, pool=pool, count=count, label=label, seed=seed,
            condition=condition, intervention=intervention, phase=phase, database=self.settings.neo4j_database,
        )  # fmt: skip
        return synthesize(
            seeds,
            exemplars,
            model_spec=model,
            home=self.settings.home,
            k=k,
            seed=seed,
            embed=embed,
            judge=judge,
            software_version=__version__,
            out=out,
            chunk=chunk,
        )

    def text2cypher(self, question: str, *, model: str = "smollm2-135m", row_limit: int = 100) -> Any:
        """Rows from one read-only Cypher query a language model writes for ``question`` from the graph's schema
        and a few named queries (anything that writes, changes the schema or loads files is refused before it
        runs); the answer carries the Cypher, so it can be rerun in Browser, and who wrote it."""
        from trialgraph.kg.retrieval.text2cypher import text2cypher
        from trialgraph.models.language_models import load_language_model

        language_model = load_language_model(model, self.settings.home)
        try:
            return text2cypher(self.driver, question, language_model, self.settings.neo4j_database, row_limit=row_limit)
        finally:
            _close(language_model)

    def ask(
        self,
        question: str,
        *,
        model: str = "smollm2-135m",
        retriever: str = "fulltext",
        top_k: int = 5,
        max_tokens: int = 1500,
        max_new_tokens: int = 256,
    ) -> Answer:
        """Answer ``question`` from the trials ``retriever`` finds, with a language model (a local model key,
        ``hf:DIR`` or ``openai:URL#MODEL``); the answer names its model, prompt version and the trials it saw."""
        from trialgraph.models.language_models import load_language_model

        hits = self.search(question, retriever=retriever, top_k=top_k)
        context = self.context(hits, max_tokens=max_tokens)
        language_model = load_language_model(model, self.settings.home)
        try:
            (generation,) = language_model.generate(
                [ask_messages(question, context.text)], max_new_tokens=max_new_tokens
            )
        finally:
            _close(language_model)
        return make_answer(
            question,
            generation.text,
            generation.error,
            model=language_model,
            retriever=retriever,
            context_trials=list(context.included),
        )

    def embedding_indexes(self) -> list[dict[str, Any]]:
        """The embedding indexes in the graph: model, version, rendering, dimensions, how many records."""
        return run_read(self.driver, cypher.load("read/embedding_indexes"), database=self.settings.neo4j_database)

    def _retrievers(self, encoder: str) -> tuple[FullTextRetriever, VectorRetriever]:
        database = self.settings.neo4j_database
        return FullTextRetriever(self.driver, database), VectorRetriever(self.driver, encoder, database)

    def _retriever(self, name: str, encoder: str) -> TrialRetriever:
        """The retriever called ``name``; the patient retriever with the concept stage where the linker index
        allows it (see :meth:`patient_concepts`)."""
        made = retriever_factory(name)(*self._retrievers(encoder))
        if isinstance(made, PatientRetriever):
            made.concepts, made.concepts_skipped = self.patient_concepts()
        return made

    def patient_concepts(self) -> tuple[PatientConcepts | None, str | None]:
        """`match`'s concept stage over the linker index, or None and why it is skipped (no index, one built from
        other concepts than the graph holds, or one that cannot be read). Checked and loaded once, and again when
        the index is rebuilt or anything is loaded into the graph since (a long-running server sees both)."""
        manifest = self.linker_index_folder / "manifest.json"
        database = self.settings.neo4j_database
        graph = run_read(self.driver, cypher.load("read/graph_load_fingerprint"), database=database)[0]
        key = (manifest.stat().st_mtime_ns if manifest.is_file() else 0, graph["concepts"], graph["runs"])
        with self._patient_concepts_lock:
            if self._patient_concepts is None or self._patient_concepts[0] != key:
                stage, skipped = patient_concepts(self.driver, self.linker_index_folder, database)
                self._patient_concepts = (key, stage, skipped)
            return self._patient_concepts[1], self._patient_concepts[2]

    def search(self, query: str, *, retriever: str = "hybrid", top_k: int = 10, encoder: str = "minilm") -> list[Hit]:
        """The ``top_k`` trials best matching ``query``: ``fulltext`` (BM25), ``vector`` or ``hybrid`` (both, fused
        by reciprocal rank), or ``criteria`` (each trial by its best-matching inclusion item, after
        ``embed(target="criteria")``). Each hit carries its component scores and the Cypher that found it."""
        return self._retriever(retriever, encoder).hits(query, top_k=top_k)

    def graphrag_retriever(
        self, retriever: str = "hybrid", *, encoder: str = "minilm", max_tokens: int = 600
    ) -> Retriever:
        """One of ``search``'s retrievers as a neo4j-graphrag ``Retriever`` (for its ``GraphRAG`` pipeline, or any
        code written against that interface): ``.search(query_text=..., top_k=...)`` gives the trials as items
        whose content is their description and whose metadata is the hit (see
        :mod:`trialgraph.kg.retrieval.graphrag_adapter`)."""
        from trialgraph.kg.retrieval.graphrag_adapter import graphrag_retriever

        chosen = self._retriever(retriever, encoder)
        return graphrag_retriever(chosen, self.driver, database=self.settings.neo4j_database, max_tokens=max_tokens)

    def similar(self, trial_id: str, *, top_k: int = 10, encoder: str = "minilm") -> list[Hit]:
        """The trials nearest to ``trial_id`` by their embeddings, the trial itself left out."""
        return SimilarTrials(self._retrievers(encoder)[1]).hits(trial_id, top_k=top_k)

    def match_patient(
        self, description: str, *, top_k: int = 10, encoder: str = "minilm", concepts: bool = True
    ) -> PatientMatch:
        """Trials a patient might enter: hybrid search on ``description`` fused with the trials whose conditions
        are the condition concepts the linker finds in it (where ``link build-index`` made an index that matches
        the graph; the result says when not), then the trials whose age or sex limits exclude the age and sex it
        states left out (with the reason, in ``excluded``). ``concepts=False`` ranks by text alone: the linker's
        first load in a process takes its gazetteer's time and memory (README: 22–26 s and 1.46 GB peak RSS on
        five vocabularies)."""
        retriever = PatientRetriever(HybridRetriever(*self._retrievers(encoder)))
        if concepts:
            retriever.concepts, retriever.concepts_skipped = self.patient_concepts()
        else:
            retriever.concepts_skipped = "not asked for"
        return retriever.match(description, top_k=top_k)

    def search_publications(
        self, query: str, *, limit: int = 10, retriever: str = "fulltext", encoder: str = "minilm"
    ) -> list[PublicationHit]:
        """PubMed papers best matching ``query``: ``fulltext`` (BM25 over titles and abstracts), ``vector`` (their
        embeddings, after ``embed(target="publications")``) or ``hybrid`` (both, fused by reciprocal rank). Each
        paper carries the trials it is linked to and who states each link (paper → trial, the systematic-review
        direction), its component scores and the Cypher that found it."""
        return rank_publications(
            self.driver,
            query,
            limit=limit,
            retriever=retriever,
            encoder=encoder,
            database=self.settings.neo4j_database,
        )

    def context(self, trials: Iterable[str | Hit], *, max_tokens: int = 2000) -> Context:
        """A compact, deterministic description of ``trials`` (ids or hits, in order) for a language model, under
        ``max_tokens`` (see :mod:`trialgraph.kg.retrieval.context`)."""
        ids = [t.trial_id if isinstance(t, Hit) else t for t in trials]
        return build_context(self.driver, ids, max_tokens=max_tokens, database=self.settings.neo4j_database)

    def evaluate_retrieval(
        self,
        cohorts: Iterable[Path],
        *,
        trialsim: Path | None = None,
        retrievers: Iterable[str] | None = None,
        encoder: str = "minilm",
        papers: bool = False,
        twins: bool = False,
    ) -> list[CohortFigures | SimilarityFigures | KnownItemFigures]:
        """Every retriever on the same tasks: patient → trial on each cohort folder (TrialGPT's layout), trial →
        similar trials on ``trialsim`` (Trial2Vec's labels) when given, and paper → registered trial on the graph's
        own linked papers when ``papers`` is asked for, and registry record → its twin in another registry when
        ``twins`` is (the CLI asks for both by default; see :mod:`trialgraph.models.retrieval.known_item`).
        Benchmark trial ids are looked up among every id the graph knows a trial by (see
        :mod:`trialgraph.models.retrieval.evaluate`)."""
        factories = {name: retriever_factory(name) for name in retrievers or ()}  # an unknown name: one line
        read = [read_cohort(Path(folder)) for folder in cohorts]  # every input checked before any search runs
        lists = read_trialsim(Path(trialsim)) if trialsim else []
        database = self.settings.neo4j_database
        known = run_read(self.driver, cypher.load("read/trial_ids_known"), database=database)
        trial_of = {row["id"]: row["trial"] for row in known}
        if not factories:  # the default: every retriever, and each optional one whose index the graph holds
            factories = {name: retriever_factory(name) for name in evaluated_retrievers(*self._retrievers(encoder))}
        built = {name: self._retriever(name, encoder) for name in factories}
        rankers = {
            name: (
                lambda text, depth, exclude=frozenset(), r=r: [
                    h.trial_id for h in r.hits(text, top_k=depth, exclude_records=exclude)
                ]
            )
            for name, r in built.items()
        }
        text_rankers = {name: rank for name, rank in rankers.items() if name not in PATIENT_RETRIEVERS}
        figures: list[CohortFigures | SimilarityFigures | KnownItemFigures] = []
        for cohort in read:
            qrels: dict[str, dict[str, int]] = {}
            for query, grades in cohort.qrels.items():
                mapped = qrels.setdefault(query, {})
                for trial_id, grade in grades.items():
                    if trial_id in trial_of:
                        mapped[trial_of[trial_id]] = max(grade, mapped.get(trial_of[trial_id], 0))
            figures.extend(evaluate_cohort(Cohort(cohort.name, cohort.queries, qrels), rankers, set(trial_of.values())))
        if lists:
            figures.extend(self._evaluate_similarity(lists, trial_of, rankers, encoder))
        if papers:
            rows = run_read(
                self.driver,
                cypher.load("read/known_item_papers"),
                {"stated_sources": list(STATED_SOURCES)},
                database=database,
            )
            for name, queries in paper_queries(rows).items():
                figures.extend(evaluate_known_items("paper_to_trial", name, queries, text_rankers, trial_of.values()))
        if twins:
            rows = run_read(self.driver, cypher.load("read/known_item_twins"), database=database)
            for name, queries in twin_queries(rows).items():
                figures.extend(evaluate_known_items("record_to_twin", name, queries, text_rankers, trial_of.values()))
        return figures

    def _evaluate_similarity(
        self,
        lists: list[SimilarityList],
        trial_of: dict[str, str],
        rankers: dict[str, Callable[[str, int], list[str]]],
        encoder: str,
    ) -> list[SimilarityFigures]:
        """Text retrievers are asked with the target's rendering; ``similar`` ranks by the target's own vector."""
        mapped = [
            SimilarityList(
                entry.list_id,
                trial_of.get(entry.target, entry.target),
                {trial_of.get(c, c): g for c, g in entry.labels.items()},
            )
            for entry in lists
        ]
        targets = sorted({entry.target for entry in mapped})
        rows = run_read(
            self.driver,
            cypher.load("retrieval/trial_rendering"),
            {"trial_ids": targets},
            database=self.settings.neo4j_database,
        )
        text_of = {row["trial_id"]: render(RecordText.from_row(row)) for row in rows}
        by_target = {
            name: (lambda target, depth, rank=rank: rank(text_of[target], depth) if target in text_of else [])
            for name, rank in rankers.items()
        }
        by_target["similar"] = lambda target, depth: [
            h.trial_id for h in self.similar(target, top_k=depth, encoder=encoder)
        ]
        return evaluate_similarity(mapped, by_target, set(trial_of.values()))

    def resolve_identities(self, *, only_pending: bool = False) -> IdentityReport:
        """Regroup registry records under trials from every claim and curated pair in the graph (idempotent).

        ``only_pending`` weighs only what loads wrote since the last resolution, with their groups (what
        ``load`` does after every load, so its cost grows with the load, not the graph)."""
        scope = "pending" if only_pending else "all"
        return resolve_identities(self.driver, database=self.settings.neo4j_database, scope=scope)

    def run_query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run a named query from ``cypher/queries/`` in a read-only transaction.

        ``parameters`` are checked against the query's header: an undeclared name, a missing required
        parameter or a value of the wrong type is a ``QueryParameterError``; optional ones take the
        header's default.
        """
        if name not in cypher.query_names():
            raise UnknownNameError(f"no named query {name!r}; `trialgraph query --list` lists them")
        doc = cypher.describe(name)
        return run_read(self.driver, doc.body, doc.bind(parameters), database=self.settings.neo4j_database)

    def run_cypher(self, statement: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run an ad-hoc Cypher statement in a read-only transaction: the server refuses any write, and a
        statement whose plan reads files or URLs (``LOAD CSV``, ``apoc.load.*``...) is refused before it runs."""
        cypher.check_values(parameters)
        database = self.settings.neo4j_database
        refuse_outside_access(self.driver, statement, parameters, database=database)
        return run_read(self.driver, statement, parameters, database=database)

    def dump(self, path: Path, *, ignored: Iterable[str] = ()) -> int:
        """Write a sorted dump of the whole graph without element ids (:mod:`trialgraph.kg.dump`); returns its lines."""
        return write_dump(self.driver, path, database=self.settings.neo4j_database, ignored=VOLATILE | set(ignored))

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """Load runs, newest first; runs whose process on this machine died unfinished are marked interrupted."""
        mark_interrupted_runs(self.driver, self.settings.neo4j_database)
        return self.run_query("load_runs", limit=limit)

    def stats(self) -> GraphStats:
        """Counts: nodes, relationships, trials by phase/status/registry, concepts, mappings, publication links."""
        names = (
            "count_trials",
            "count_nodes_by_label",
            "count_relationships_by_type",
            "trials_by_phase",
            "trials_by_status",
            "trials_by_registry",
            "concepts_by_vocabulary",
            "mappings_by_predicate",
            "publication_links_by_source",
        )
        return {name: self.run_query(name) for name in names}
