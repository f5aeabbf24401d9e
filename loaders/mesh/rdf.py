"""MeSH RDF (N-Triples, plain or gzipped) → concept records, streamed line by line.

A MeSH record is spread over many subjects (descriptor → concepts → terms) that can sit anywhere in
the file, so records can only be built once the file is read. What is kept meanwhile is the facts the
records need (never the triples), in a store on disk (``spill.py``), and records are then built a page at
a time (``rdf_records.py``): neither the file nor its facts are ever held whole in memory. Three shapes of
MeSH RDF are read with one table of predicates:

* the current vocabulary ``http://id.nlm.nih.gov/mesh/vocab#`` with year-versioned resource URIs
  (``…/mesh/2022/D000001``, NLM's yearly archives) or unversioned ones (``…/mesh/D000001``, NLM's current file);
* the 2014 pre-release vocabulary, whose classes and predicates live in ``http://id.nlm.nih.gov/mesh/``
  (``mesh:Descriptor`` + ``mesh:descriptorClass``, ``dcterms:identifier``, ``mesh:mappedData`` nodes...).

Well-formed lines of the usual shapes are split by one regular expression (six times faster than
rdflib's tokenizer); anything else (escapes, odd spacing, comments, malformed lines) goes to rdflib's
own N-Triples parser, line by line, so rdflib decides what is valid and one bad line is one
``Rejected`` rather than the end of the file.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Literal
from rdflib.plugins.parsers.ntriples import ParseError as NTriplesError
from rdflib.plugins.parsers.ntriples import W3CNTriplesParser

from trialgraph.loaders.files import is_gzip, one_line, open_binary
from trialgraph.loaders.mesh.common import SCR_CLASS, MeshStats, descriptor_of, year_from_name
from trialgraph.loaders.mesh.rdf_facts import REVERSE_KINDS, SPILL_EVERY, Fact, FactStore, FactStoreFactory
from trialgraph.loaders.mesh.rdf_records import UnprovenEnd, build_records
from trialgraph.loaders.mesh.spill import spill_store
from trialgraph.model.concept import ConceptRecord, Rejected

__all__ = ["parse_ntriples"]

_MESH = ("http://id.nlm.nih.gov/mesh/", "https://id.nlm.nih.gov/mesh/")
_VOCAB = "http://id.nlm.nih.gov/mesh/vocab#"
_OLD = "http://id.nlm.nih.gov/mesh/"  # the 2014 vocabulary namespace
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_SCOPE_NOTE = "http://www.w3.org/2004/02/skos/core#scopeNote"
_DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"
_SNIPPET = 200
_READ_BUFFER = 1 << 20  # gzip's own ``readline`` is slow per call; a big buffer in front of it halves the read time

# IRI and literal forms that need no unescaping; rdflib's tokenizer reads every other line.
_IRI = r'<([^<>"{}|^`\\\x00-\x20]+)>'
_NODE = r"(?:" + _IRI + r"|_:([A-Za-z0-9_][-A-Za-z0-9_.]*))"
_FAST_LINE = re.compile(
    _NODE + r"[ \t]+" + _IRI + r"[ \t]+"
    r"(?:" + _NODE + r'|"([^"\\\r\n]*)"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^' + _IRI + r")?)"
    r"[ \t]*\.[ \t]*\r?\n?\Z"
)
_LEADING_SUBJECT = re.compile(r"\s*<[^>]*/([CDQ]\d+)>")

_DESCRIPTOR_KINDS = frozenset({"TopicalDescriptor", "PublicationType", "CheckTag", "GeographicalDescriptor"})
_SCR_KINDS = frozenset(SCR_CLASS.values())
_GENERIC_KINDS = {"Descriptor": "descriptor", "SupplementaryConceptRecord": "scr"}
_RECORD_KINDS = _DESCRIPTOR_KINDS | _SCR_KINDS | {"Qualifier"} | set(_GENERIC_KINDS)
_PREFERRED_LANGUAGES = frozenset({None, "en"})


@dataclass(slots=True)
class _Facts:
    """Where the reader puts what it reads: the fact store (on disk) and the line being read, nothing else.

    Every fact goes to ``store`` as it is read, so this object's size does not depend on the file.
    """

    store: FactStore
    lineno: int = 0
    cut: bool = False  # the file ended early (a gzip stream broke off, a last line without its line end)
    # A plain file's last subject (its block may have lost lines to a cut at a line end); None for a gzip stream,
    # whose end-of-stream check proves the file whole.
    unproven_end: UnprovenEnd | None = None


_Handler = Callable[[_Facts, str, str, "str | None"], None]


def _type(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    name = o.rpartition("#")[2] if "#" in o else o  # vocab#TopicalDescriptor, or 2014 local "Descriptor"
    if name not in _RECORD_KINDS:
        return  # Concept, Term, TreeNumber, DescriptorQualifierPair...: not records
    facts.store.first(Fact.KIND_LINE, s, facts.lineno)
    if name in _GENERIC_KINDS:
        facts.store.last(Fact.GENERIC_KIND, s, name)  # a specific class, wherever it is stated, wins over it
    else:
        facts.store.first(Fact.SPECIFIC_KIND, s, name)


def _label(facts: _Facts, s: str, o: str, lang: str | None) -> None:
    """English (or untagged) labels win: a translation file must not rename the English record."""
    facts.store.first(Fact.LABEL if lang in _PREFERRED_LANGUAGES else Fact.FOREIGN_LABEL, s, o)


def _adder(kind: int) -> _Handler:
    def handle(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
        facts.store.add(kind, s, o)

    return handle


def _preferred_concept(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(Fact.CONCEPT, s, o)
    facts.store.last(Fact.PREFERRED_CONCEPT, s, o)


def _flag(kind: int) -> _Handler:
    """2014 yes/no properties: only a "Y" marks the subject."""

    def handle(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
        if o == "Y":
            facts.store.first(kind, s, 1)

    return handle


def _scope_note(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.first(Fact.SCOPE_NOTE, s, o)


def _mapping(kind: int) -> _Handler:
    """An SCR → descriptor (or descriptor–qualifier pair) mapping; subset files carry it on untyped SCRs."""

    def handle(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
        target = descriptor_of(o)
        if target is not None:
            facts.store.add(kind, s, target)
            facts.store.first(Fact.MAPPED_LINE, s, facts.lineno)

    return handle


def _mapped_data(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(Fact.MAPPED_DATA, s, o)
    facts.store.first(Fact.MAPPED_LINE, s, facts.lineno)


def _mapped_target(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.last(Fact.MAPPED_TARGET, s, o)


def _class_code(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.last(Fact.CLASS_CODE, s, o.strip())


def _both(name: str) -> tuple[str, str]:
    """A predicate's IRI in the current vocabulary and in the 2014 one."""
    return _VOCAB + name, _OLD + name


def _predicate_table() -> dict[str, _Handler]:
    table: dict[str, _Handler] = {
        _RDF_TYPE: _type,
        _RDFS_LABEL: _label,
        _SKOS_SCOPE_NOTE: _scope_note,
        # 2014 only: the preferred concept is flagged on the concept, mappings hang off blank nodes.
        _OLD + "isPreferredConcept": _flag(Fact.PREFERRED_FLAG),
        _OLD + "mappedData": _mapped_data,
        _OLD + "isMappedToDescriptor": _mapped_target,
        _OLD + "isDescriptorStarred": _flag(Fact.STARRED),
        _OLD + "descriptorClass": _class_code,
        _OLD + "SCRClass": _class_code,
    }
    by_name: dict[str, _Handler] = {
        "concept": _adder(Fact.CONCEPT),
        "preferredConcept": _preferred_concept,
        "term": _adder(Fact.TERM),
        "preferredTerm": _adder(Fact.TERM),
        "termData": _adder(Fact.TERM),  # 2014: a term's permuted forms are labels of its TermData nodes
        "prefLabel": _adder(Fact.TERM_STRING),
        "altLabel": _adder(Fact.TERM_STRING),
        "scopeNote": _scope_note,
        "treeNumber": _adder(Fact.TREE),
        "broaderDescriptor": _adder(Fact.BROADER),
        "broaderQualifier": _adder(Fact.BROADER),
        "pharmacologicalAction": _adder(Fact.PHARMACOLOGICAL_ACTION),
        "allowableQualifier": _adder(Fact.ALLOWABLE_QUALIFIER),
        "preferredMappedTo": _mapping(Fact.PREFERRED_MAPPED_TO),
        "mappedTo": _mapping(Fact.MAPPED_TO),
    }
    for name, handler in by_name.items():
        for iri in _both(name):
            table[iri] = handler
    return table


_HANDLERS = _predicate_table()

# Known MeSH predicates that records do not need: counted as skipped, not as unknown.
_SKIPPED_NAMES = (
    "identifier",
    "abbreviation",
    "active",
    "annotation",
    "broader",
    "broaderConcept",
    "casn1_label",
    "considerAlso",
    "dateCreated",
    "dateEstablished",
    "dateRevised",
    "entryVersion",
    "frequency",
    "hasDescriptor",
    "hasQualifier",
    "historyNote",
    "indexerConsiderAlso",
    "lastActiveYear",
    "lexicalTag",
    "narrowerConcept",
    "nlmClassificationNumber",
    "note",
    "onlineNote",
    "parentTreeNumber",
    "previousIndexing",
    "publicMeSHNote",
    "registryNumber",
    "relatedConcept",
    "relatedRegistryNumber",
    "seeAlso",
    "sortVersion",
    "source",
    "thesaurusID",
    "useInstead",
    # 2014 vocabulary
    "CASN1_label",
    "activeMeSHYear",
    "allowedTreeNode",
    "concept1",
    "concept2",
    "conceptRelation",
    "indexingData",
    "indexingDescriptor",
    "indexingQualifier",
    "isConceptPreferredTerm",
    "isMappedToQualifier",
    "isPermutedTerm",
    "isQualifierStarred",
    "isQualifierType",
    "isRecordPreferredTerm",
    "printFlag",
    "property",
    "recordAuthorizer",
    "recordMaintainer",
    "recordOriginator",
    "relation",
    "relationAttribute",
    "semanticType",
    "termData",
    ").split(",
)
_SKIPPED = frozenset(
    [iri for name in _SKIPPED_NAMES for iri in _both(name)]
    + [_DCTERMS_IDENTIFIER, "http://www.w3.org/2000/01/rdf-schema#seeAlso"]
)


def _local(iri: str) -> tuple[str, str | None]:
    """``…/mesh/2022/D000001`` → (``D000001``, ``2022``); ``…/mesh/D000001`` → (``D000001``, None).

    Vocabulary IRIs (``…/mesh/vocab#X``) and foreign IRIs are returned whole so they never collide with UIs.
    """
    for base in _MESH:
        if iri.startswith(base):
            rest = iri[len(base) :]
            if rest.startswith("vocab#"):
                return iri, None
            if len(rest) > 5 and rest[4] == "/" and rest[:4].isdigit():
                return rest[5:], rest[:4]
            return rest, None
    return iri, None


def parse_ntriples(
    path: Path, stats: MeshStats | None = None, *, store: FactStoreFactory = spill_store
) -> Iterator[ConceptRecord | Rejected]:
    """Yield the descriptors, SCRs and qualifiers of one MeSH N-Triples file, then nothing else.

    Unparseable lines come out as ``Rejected("file:LINE", reason)`` while reading goes on; records follow
    once the file is read (a record's triples may be anywhere in it). Duplicated lines add nothing:
    every multi-valued fact is de-duplicated when records are built. ``store`` opens where the facts wait
    meanwhile: on disk by default, so that memory does not grow with the file.

    A file that ends early (a gzip stream that breaks off, a last line without its line end) gives one
    ``truncated`` entry and no records: a record's subjects (descriptor, concepts, terms) sit anywhere in the
    file, so which records the lost tail held facts of cannot be told, and a record built without them would
    replace its complete copy in the graph with a partial one. The load is ``partial``; the graph keeps the
    complete copies. A plain file cut exactly at a line end reads as a complete one, so there the records that
    could have lost facts to such a cut (the one holding the file's last subject block, and those reaching a
    concept, term or mapping node the file never describes) are ``end_unproven``: written only where the graph
    holds no different copy (see :class:`~trialgraph.loaders.mesh.rdf_records.UnprovenEnd`).
    """
    stats = stats if stats is not None else MeshStats()
    stats.files += 1
    with store(REVERSE_KINDS) as facts_store:
        facts = _Facts(store=facts_store)
        yield from _read(path, facts, stats)
        if not facts.cut:
            yield from build_records(
                facts_store, str(path), year_from_name(path), stats, unproven_end=facts.unproven_end
            )


def _read(path: Path, facts: _Facts, stats: MeshStats) -> Iterator[Rejected]:
    origin = str(path)
    fallback = _Fallback()
    handlers = _HANDLERS
    skipped = _SKIPPED
    unknown = stats.unknown_predicates
    skipped_counts = stats.skipped_predicates
    fast = _FAST_LINE.match
    store = facts.store
    spill_every = SPILL_EVERY
    last_subject_iri = ""
    subject = ""
    final_subject = ""  # the subject of the last triple read, handled or not
    plain = not is_gzip(path)  # a plain file cannot prove its end: note where each subject's triples run
    triples = 0
    lineno = 0
    try:
        with open_binary(path, buffer_size=_READ_BUFFER) as stream:
            for lineno, raw in enumerate(stream, 1):
                if not lineno % spill_every:
                    store.spill()
                if not raw.endswith(b"\n"):  # only the last line can lack it: the file was cut inside it
                    facts.cut = True
                    stats.rejected += 1
                    snippet = raw[:_SNIPPET].decode("utf-8", "replace")
                    reason = f"line cut at end of file (no line end), no record built from this file: {snippet}"
                    yield Rejected(f"{origin}:{lineno}", reason, truncated=True)
                    break
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    stats.rejected += 1
                    yield Rejected(f"{origin}:{lineno}", f"not UTF-8: {exc.reason} at byte {exc.start}")
                    continue
                found = fast(line)
                if found is not None:
                    s_iri, s_blank, predicate, o_iri, o_blank, literal, lang, _dtype = found.groups()
                    s_term = s_iri if s_iri is not None else "_:" + s_blank
                    if o_iri is not None:
                        obj, object_iri = o_iri, True  # made local only if a handler wants the triple
                    else:
                        obj, object_iri = ("_:" + o_blank if o_blank is not None else literal), False
                else:
                    parsed = fallback.parse(line)
                    if parsed is None:
                        continue  # blank line or comment
                    if isinstance(parsed, str):
                        stats.rejected += 1
                        yield _rejected_line(origin, lineno, line, parsed)
                        continue
                    s_term, predicate, obj, lang = parsed
                    object_iri = False
                triples += 1
                if plain and s_term != final_subject:
                    store.first(Fact.FIRST_BLOCK, s_term, lineno)
                    store.add(Fact.BLOCK, s_term, lineno)
                final_subject = s_term
                handler = handlers.get(predicate)
                if handler is None:
                    (skipped_counts if predicate in skipped else unknown)[predicate] += 1
                    continue
                if s_term != last_subject_iri:
                    last_subject_iri = s_term
                    subject, year = _local(s_term)
                    if year is not None and subject[:1] in "CDQ":
                        facts.store.first(Fact.YEAR, subject, year)
                facts.lineno = lineno
                handler(facts, subject, _local(obj)[0] if object_iri else obj, lang)
    except (OSError, EOFError, zlib.error) as exc:  # truncated gzip, unreadable file: no record can be trusted
        facts.cut = True
        stats.rejected += 1
        reason = one_line(exc)[:200]
        reason = f"file unreadable after line {lineno}: {reason}; no record built from this file"
        yield Rejected(origin, reason, truncated=True)
    if plain and not facts.cut:
        final = _local(final_subject)[0] if final_subject else None
        facts.unproven_end = UnprovenEnd(final, grouped=not _scattered(store))
    stats.lines += lineno
    stats.triples += triples


def _scattered(store: FactStore) -> bool:
    """Whether some subject's triples come in more than one run: the file does not group triples by subject.

    Then any record may have had triples after a cut at a line end, and none is proven whole.
    """
    return any(
        len(runs) > 1
        for page in store.subjects((Fact.FIRST_BLOCK,), 10_000)
        for runs in store.multi(page, (Fact.BLOCK,)).values()
    )


class _Fallback:
    """rdflib's N-Triples tokenizer, one line at a time, for what the fast expression does not take.

    Blank nodes are named by their label, as the fast path names them, so each line gets a fresh blank
    node context: nothing is remembered from line to line and the fallback's memory does not grow.
    """

    def __init__(self) -> None:
        self._sink = _LastTriple()
        self._parser = W3CNTriplesParser(sink=self._sink)  # type: ignore[arg-type]

    def parse(self, line: str) -> tuple[str, str, str, str | None] | str | None:
        """(subject, predicate, object, language) in the fast path's spelling; a reason string; None if empty."""
        self._sink.triple_seen = None
        self._parser.line = line.rstrip("\r\n")
        bnodes: dict[str, BNode] = {}
        try:
            self._parser.parseline(bnode_context=bnodes)  # type: ignore[arg-type]
        except NTriplesError as exc:
            return one_line(exc)[:200]
        seen = self._sink.triple_seen
        if seen is None:
            return None
        labels = {node: label for label, node in bnodes.items()}
        s, p, o = seen
        lang = o.language if isinstance(o, Literal) else None
        obj = str(o) if isinstance(o, Literal) else _local(_node(o, labels))[0]
        return _node(s, labels), str(p), obj, lang


def _node(term: object, labels: dict[BNode, str]) -> str:
    return "_:" + labels[term] if isinstance(term, BNode) else str(term)


class _LastTriple:
    __slots__ = ("triple_seen",)

    def __init__(self) -> None:
        self.triple_seen: tuple[object, object, object] | None = None

    def triple(self, s: object, p: object, o: object) -> None:
        self.triple_seen = (s, p, o)


def _rejected_line(origin: str, lineno: int, line: str, reason: str) -> Rejected:
    """rdflib's own message quotes its regular expressions; the reader of a reject log wants the line."""
    found = _LEADING_SUBJECT.match(line)
    snippet = line.strip()[:_SNIPPET]
    detail = "" if reason.startswith("Failed to eat") else f" ({reason})"
    return Rejected(f"{origin}:{lineno}", f"not an N-Triples statement{detail}: {snippet}", found and found.group(1))
