"""Mentions in the graph's free text: the free-text linker's spans written as ``MENTIONS`` edges to concepts.

The linker is pure (:class:`trialgraph.link.Linker`: gazetteer, TF-IDF, abbreviations, negation and history
cues); this module reads the graph's text, runs it, and writes its edges through the one load loop, so a linking
run is recorded, counted and reported like any load. Which text is read, and how its edges are written, is a
:class:`TextField` in :data:`TEXT_FIELDS`: eligibility items, outcomes, record summaries, PubMed titles and
abstracts, interventions (name and description) and adverse-event terms.

Interventions and adverse events are linked to fewer MeSH branches than prose, because each names one kind of
thing. An intervention is a drug or chemical (D) or a procedure, technique or device (E); a disease in its
description ("metformin for type 2 diabetes") is the trial's condition, already linked, not what is given, so C,
F and G are left out (behavioural therapies filed under F04 go unlinked with them: a tree letter cannot keep F04
and leave the F03 disorders out). A placebo or sham is read with no text (see its read query): it names what it
imitates. An adverse-event term is a disease or sign (C), a mental state (F) or a phenomenon such as pregnancy or
death (G); drugs and procedures are left out, because in a term they are the thing measured or the cause
("Laboratory change: triglycerides", "Blood creatinine increased"), not the event.

Interventions and adverse-event terms are short structured fields: a concept on the stop list of generic ones
(:mod:`trialgraph.models.linking.generic`: Therapeutics from "treatment", Tablets, Injections...) is never linked
from them, alone or beside a specific one, and the list's version is part of their method version.

The other fields are prose, and registries other than CT.gov write some of it in other languages: each text's
language is detected first (:mod:`trialgraph.models.linking.language`), and a text reliably in another language
than English is not linked (the index holds English names, so it would link its false friends). The node that
holds it gets ``language`` (ISO 639-1; the longest such text's, if it holds two) and ``language_by`` (the language
rules' version): inferred data, so a ``language`` without ``language_by`` (a registry's own statement) is never
touched, and a later run that reads the node as English removes only our pair. English text and text too short or
too uncertain to judge are linked as before; the language rules are part of these fields' method version, so new
rules re-read every text. Short structured fields are not checked: a drug or event term is too short to judge.

Incremental by construction: each linked node carries ``mentions_linked`` (the linker's method version, which
holds the index's content hash) and, where the node outlives a change of its text, ``mentions_of`` (the content
hash of the record or citation the text came from). A changed record's facts (items, outcomes, interventions,
events) are new nodes (the writer replaces a record's facts), a changed summary or abstract changes its hash, and a
new index changes the method version: only those are read again, and re-running with the same index reads nothing
and changes nothing.
Registry facts are never altered beyond these two markers, and NLM's ``IS_CONCEPT`` edges are a different type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.errors import UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import GRAPH_WRITERS, LoadReport, Quarantine, Work, WriteContext, rows_work
from trialgraph.link import Linker, Span
from trialgraph.model.staged import Quarantined
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.language import LANGUAGE_RULES, detect

__all__ = [
    "ADVERSE_EVENT_TYPES",
    "CRITERION_TYPES",
    "INTERVENTION_TYPES",
    "TEXT_FIELDS",
    "MentionReport",
    "MentionSource",
    "MentionWriter",
    "TextField",
    "TextMentions",
    "graph_linker",
    "link_mentions",
    "mentions_by_vocabulary",
]

# What trial text may name: diseases (C), drugs (D), procedures (E), mental conditions (F) and phenomena such as
# pregnancy (G). Anatomy, organisms, persons ("patients") and places would be noise.
CRITERION_TYPES = frozenset({"C", "D", "E", "F", "G"})
# What an intervention is (drugs, procedures) and what an adverse event is (diseases, signs, mental states,
# phenomena): see the module docstring for what each leaves out and why.
INTERVENTION_TYPES = frozenset({"D", "E"})
ADVERSE_EVENT_TYPES = frozenset({"C", "F", "G"})

# spaCy refuses texts over 1,000,000 characters; a text far longer than any real one is skipped with a reason.
MAX_TEXT_CHARACTERS = 100_000
_PAGE = 2000


@dataclass(frozen=True, slots=True)
class TextField:
    """One kind of graph text: the query that pages through what is not yet linked, and the write statement.

    The read returns ``key``, ``version`` (the marker ``mentions_of`` to store, or null) and ``texts``, a list of
    ``{field, text}``: one node may hold several texts (an outcome's measure and description)."""

    read: str
    write: str
    describes: str  # for messages: "eligibility item", "outcome"...
    types: frozenset[str] = CRITERION_TYPES
    structured: bool = False  # names one thing: generic concepts (models/linking/generic.py) are not linked,
    # and its language is not checked (prose is: models/linking/language.py)
    reading: str | None = None  # a version of what the read returns: a change relinks the nodes linked before it


TEXT_FIELDS: dict[str, TextField] = {
    "criteria": TextField("read/criteria_to_link", "write/merge_criterion_mentions", "eligibility item"),
    "outcomes": TextField("read/outcomes_to_link", "write/merge_outcome_mentions", "outcome"),
    "summaries": TextField("read/summaries_to_link", "write/merge_summary_mentions", "record summary"),
    "abstracts": TextField("read/abstracts_to_link", "write/merge_publication_mentions", "publication"),
    "interventions": TextField(
        "read/interventions_to_link",
        "write/merge_intervention_mentions",
        "intervention",
        INTERVENTION_TYPES,
        True,
        reading="other-names-1",  # other names are read too
    ),
    "adverse_events": TextField(
        "read/adverse_events_to_link", "write/merge_adverse_event_mentions", "adverse event", ADVERSE_EVENT_TYPES, True
    ),
    # a registry's keywords name one thing each (a condition, a drug, a procedure): the criteria's concept kinds
    "keywords": TextField("read/keywords_to_link", "write/merge_keyword_mentions", "keyword", CRITERION_TYPES, True),
}


@dataclass(frozen=True, slots=True)
class TextMentions:
    """One node's texts and the linked spans found in each (none: the text names no indexed concept)."""

    key: str
    version: str | None
    spans: tuple[tuple[str, Span], ...]  # (field, span)
    language: str | None = None  # reliably another language than English: that text was not linked


def graph_linker(driver: neo4j.Driver, index_folder: Path, database: str = "neo4j") -> Linker:
    """The free-text linker over ``index_folder``, refused in one line if the index no longer matches the graph."""
    from trialgraph.kg.linking import checked_tfidf

    return Linker.around(checked_tfidf(driver, index_folder, database))


class MentionSource:
    """The linker as a source: it pages through one kind of text not yet linked by its method version."""

    graph_writer = "text-mentions"
    detection = None

    def __init__(
        self, driver: neo4j.Driver, linker: Linker, field: str, database: str, sources: list[str] | None = None
    ) -> None:
        if field not in TEXT_FIELDS:
            raise UnknownNameError(f"unknown text field {field!r}; known: {', '.join(TEXT_FIELDS)}")
        self.name = f"link:{field}"
        self.field = TEXT_FIELDS[field]
        self.linker = linker
        self._driver = driver
        self._database = database
        self.sources = sources  # registry sources (and "pubmed") whose text is read: kg/link_scope.py; None: all
        self._generic = generic_concepts() if self.field.structured else None
        self.checks_language = not self.field.structured
        self.not_english: Counter[str] = Counter()  # texts left unlinked, by language
        # what the field's nodes are marked linked by: the linker's rules, the stop list or the language rules
        rules = [linker.method_version]
        if self._generic:
            rules.append(self._generic.version)
        if self.checks_language and not linker.languages:  # a linker that checks them has them in its version
            rules.append(LANGUAGE_RULES)
        if self.field.reading:
            rules.append(self.field.reading)
        self.method_version = "+".join(rules)

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        after = ""
        query = cypher.load(self.field.read)
        while True:
            params = {"after": after, "method_version": self.method_version, "limit": _PAGE, "sources": self.sources}
            page = run_read(self._driver, query, params, database=self._database)
            if not page:
                return
            yield page
            after = page[-1]["key"]

    def _too_long(self, row: dict[str, Any]) -> Quarantined | None:
        longest = max((len(t["text"] or "") for t in row["texts"]), default=0)
        if longest <= MAX_TEXT_CHARACTERS:
            return None
        reason = f"{self.field.describes} of {longest:,} characters: longer than any real one, not linked"
        return Quarantined(origin=f"{self.field.describes} {row['key']}", reason=reason, record_id=row["key"])

    def _specific(self, found: list[list[Span]]) -> list[list[Span]]:
        """Each text's spans, less the generic concepts where this field is a short structured one."""
        generic = self._generic
        return found if generic is None else [generic.specific(spans) for spans in found]

    @property
    def scope(self) -> list[str] | None:
        """What the run's ``LoadRun`` records as its scope (kg/load.py): the registries read, or None for all."""
        return self.sources

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[TextMentions | Quarantined]:
        for page in self._pages():
            fits = []
            for row in page:
                skipped = self._too_long(row)
                if skipped is None:
                    fits.append(row)
                else:
                    yield skipped
            texts = [t["text"] or "" for row in fits for t in row["texts"]]
            languages = [self._foreign(text) for text in texts]
            kept = [text if language is None else "" for text, language in zip(texts, languages, strict=True)]
            found = iter(self._specific(self.linker.link_many(kept, self.field.types)))
            foreign = iter(zip(texts, languages, strict=True))
            for row in fits:
                spans: list[tuple[str, Span]] = []
                unlinked: list[tuple[str, str]] = []  # (text, language) of the texts left unlinked
                for t in row["texts"]:
                    spans += [(t["field"], span) for span in next(found)]
                    text, language = next(foreign)
                    if language is not None:
                        unlinked.append((text, language))
                        self.not_english[language] += 1
                language = max(unlinked, key=lambda u: len(u[0]))[1] if unlinked else None
                yield TextMentions(row["key"], row["version"], tuple(spans), language)

    def _foreign(self, text: str) -> str | None:
        """The language of ``text`` if this field is prose and the text reliably not English, else None."""
        if not self.checks_language:
            return None
        language = detect(text)
        return language.code if language.not_english else None


@GRAPH_WRITERS.register("text-mentions")
class MentionWriter:
    """Each node's mentions replace this linker's earlier ones on it. ``written`` counts the nodes with at least
    one mention, ``unchanged`` the nodes whose text names no indexed concept (both are marked linked)."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.with_mentions = 0

    def add(self, item: TextMentions, report: LoadReport) -> list[Work]:
        if item.spans:
            self.with_mentions += 1
        else:
            report.unchanged += 1
        mentions = [
            {"field": field, "curie": s.curie, "start": s.start, "end": s.end, "text": s.text, "score": s.score,
             "negated": s.negated, "history": s.history, "matched_on": s.matched_on}
            for field, s in item.spans
        ]  # fmt: skip
        language_by = LANGUAGE_RULES if item.language else None
        self.rows.append(
            {"key": item.key, "version": item.version, "mentions": mentions, "language": item.language,
             "language_by": language_by}
        )  # fmt: skip
        return self._take() if len(self.rows) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.rows else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        """The texts left unlinked as another language go on the run's ``LoadRun`` ("fr: 12", most first), so the
        graph keeps what a run skipped, not only its JSON. Nothing to prune: a node's old
        edges go when it is linked again, and a changed record's old facts were deleted with their edges by the
        registry writer."""
        source: MentionSource = self.context.source  # type: ignore[assignment]
        report.unlinked_languages = [f"{code}: {n}" for code, n in _by_count(source.not_english)]

    def _take(self) -> list[Work]:
        from trialgraph.models.linking.tfidf import SOURCE

        rows, linked = self.rows, self.with_mentions
        self.rows, self.with_mentions = [], 0
        c = self.context
        source: MentionSource = c.source  # type: ignore[assignment]
        return [
            rows_work(
                c, source.field.write, rows, linked,
                source=SOURCE,
                method_version=source.method_version,
                kb_version=source.linker.tfidf.generator.manifest.content_hash,
                load_run=c.load_run,
            )
        ]  # fmt: skip


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first, ties by code: the same run gives the same order."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(slots=True)
class MentionReport(LoadReport):
    """A linking run's report, and how many of its texts were left unlinked as reliably another language than
    English, by ISO 639-1 code (prose fields only; ``trialgraph link --fields ... --json`` shows it)."""

    not_english: dict[str, int] = field(default_factory=dict)


def link_mentions(
    driver: neo4j.Driver,
    linker: Linker,
    field: str = "criteria",
    *,
    quarantine_dir: Path,
    batch_size: int = 500,
    database: str = "neo4j",
    on_item: Callable[[LoadReport], None] | None = None,
    sources: list[str] | None = None,
) -> LoadReport:
    """Link every text of ``field`` (a :data:`TEXT_FIELDS` name) not yet linked by ``linker``'s method version;
    with ``sources`` (checked by :func:`trialgraph.kg.link_scope.checked_scope`), only the text of those
    registries' records (``pubmed``: the publications).

    ``read`` counts the nodes read, ``written`` those with at least one mention, ``unchanged`` those with none
    (a node whose only text is in another language among them), ``rejected`` those skipped with a reason
    (``read == written + unchanged + rejected``); ``not_english`` counts the texts left unlinked by language.
    """
    from trialgraph.kg.load import load

    source = MentionSource(driver, linker, field, database, sources)
    report = load(
        driver, source, [], quarantine_dir=quarantine_dir, batch_size=batch_size, database=database, on_item=on_item
    )
    by_language = dict(_by_count(source.not_english))
    return MentionReport(**{f.name: getattr(report, f.name) for f in fields(report)}, not_english=by_language)


def mentions_by_vocabulary(driver: neo4j.Driver, database: str = "neo4j") -> list[dict[str, Any]]:
    """The free-text linker's mentions per field and vocabulary, with how many are negated (the CLI summary)."""
    from trialgraph.models.linking.tfidf import SOURCE

    return run_read(driver, cypher.load("read/mentions_by_vocabulary"), {"source": SOURCE}, database=database)
