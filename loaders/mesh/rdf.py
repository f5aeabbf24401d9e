"""MeSH RDF (N-Triples, plain or gzipped) → concept records, streamed line by line.

A MeSH record is spread over many subjects (descriptor → concepts → terms) that can sit anywhere in
the file, so records can only be built once the file is read. What is kept meanwhile is the compact
per-subject state the records need (dicts of short strings, never the triples), and the file itself
is never held whole. Three shapes of MeSH RDF are read with one table of predicates:

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

import gzip
import io
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from rdflib import BNode, Literal
from rdflib.plugins.parsers.ntriples import ParseError as NTriplesError
from rdflib.plugins.parsers.ntriples import W3CNTriplesParser

from trialgraph.loaders.concepts.files import one_line
from trialgraph.loaders.mesh.common import (
    DESCRIPTOR_CLASS,
    RECORD_UI,
    SCR_CLASS,
    MeshStats,
    descriptor_of,
    mesh_curie,
    parent_tree_number,
    relations,
    sorted_unique,
    year_from_name,
)
from trialgraph.loaders.mesh.spill import CONCEPT, TERM, TERM_STRING, SpillStore, spill_store
from trialgraph.model.concept import ConceptRecord, Rejected
from trialgraph.model.text import collapse_whitespace

__all__ = ["parse_ntriples"]

_MESH = ("http://id.nlm.nih.gov/mesh/", "https://id.nlm.nih.gov/mesh/")
_VOCAB = "http://id.nlm.nih.gov/mesh/vocab#"
_OLD = "http://id.nlm.nih.gov/mesh/"  # the 2014 vocabulary namespace
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_SCOPE_NOTE = "http://www.w3.org/2004/02/skos/core#scopeNote"
_DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"
_SNIPPET = 200

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
    """The per-subject state of one file: only what records are built from, keyed by local id.

    The bulky facts (labels, concepts, terms, their strings, scope notes) go to ``store`` on disk; what stays
    here is a few short facts per record, so memory follows the number of records, not the file's size.
    """

    store: SpillStore
    lineno: int = 0
    kind: dict[str, str] = field(default_factory=dict)  # record → rdf:type class local name
    kind_line: dict[str, int] = field(default_factory=dict)
    class_code: dict[str, str] = field(default_factory=dict)  # 2014: descriptorClass / SCRClass codes
    year: dict[str, str] = field(default_factory=dict)  # record-like subject → year in its URI
    preferred_concept: dict[str, str] = field(default_factory=dict)
    preferred_flag: set[str] = field(default_factory=set)  # 2014: concepts with isPreferredConcept "Y"
    trees: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    broader: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    related: defaultdict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    mapped_line: dict[str, int] = field(default_factory=dict)  # subjects holding SCR mappings, untyped or not
    mapped_data: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # 2014 nodes
    mapped_target: dict[str, str] = field(default_factory=dict)
    starred: set[str] = field(default_factory=set)


_Handler = Callable[[_Facts, str, str, "str | None"], None]


def _type(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    name = o.rpartition("#")[2] if "#" in o else o  # vocab#TopicalDescriptor, or 2014 local "Descriptor"
    if name not in _RECORD_KINDS:
        return  # Concept, Term, TreeNumber, DescriptorQualifierPair...: not records
    current = facts.kind.get(s)
    if current is None or current in _GENERIC_KINDS:
        facts.kind[s] = name
        facts.kind_line.setdefault(s, facts.lineno)


def _label(facts: _Facts, s: str, o: str, lang: str | None) -> None:
    """English (or untagged) labels win: a translation file must not rename the English record."""
    facts.store.label(s, o, foreign=lang not in _PREFERRED_LANGUAGES)


def _concept(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(CONCEPT, s, o)


def _preferred_concept(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(CONCEPT, s, o)
    facts.preferred_concept[s] = o


def _is_preferred_concept(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    if o == "Y":
        facts.preferred_flag.add(s)


def _term(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(TERM, s, o)


def _term_string(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.add(TERM_STRING, s, o)


def _scope_note(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.store.scope_note(s, o)


def _tree_number(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.trees[s].append(o)


def _broader(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.broader[s].append(o)


def _relation(predicate: str) -> _Handler:
    def handle(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
        facts.related[s].append((predicate, o))

    return handle


def _mapping(predicate: str) -> _Handler:
    """An SCR → descriptor (or descriptor–qualifier pair) mapping; subset files carry it on untyped SCRs."""

    def handle(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
        target = descriptor_of(o)
        if target is not None:
            facts.related[s].append((predicate, target))
            facts.mapped_line.setdefault(s, facts.lineno)

    return handle


def _mapped_data(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.mapped_data[s].append(o)
    facts.mapped_line.setdefault(s, facts.lineno)


def _mapped_target(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.mapped_target[s] = o


def _descriptor_starred(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    if o == "Y":
        facts.starred.add(s)


def _class_code(facts: _Facts, s: str, o: str, _lang: str | None) -> None:
    facts.class_code[s] = o.strip()


def _both(name: str) -> tuple[str, str]:
    """A predicate's IRI in the current vocabulary and in the 2014 one."""
    return _VOCAB + name, _OLD + name


def _predicate_table() -> dict[str, _Handler]:
    table: dict[str, _Handler] = {
        _RDF_TYPE: _type,
        _RDFS_LABEL: _label,
        _SKOS_SCOPE_NOTE: _scope_note,
        # 2014 only: the preferred concept is flagged on the concept, mappings hang off blank nodes.
        _OLD + "isPreferredConcept": _is_preferred_concept,
        _OLD + "mappedData": _mapped_data,
        _OLD + "isMappedToDescriptor": _mapped_target,
        _OLD + "isDescriptorStarred": _descriptor_starred,
        _OLD + "descriptorClass": _class_code,
        _OLD + "SCRClass": _class_code,
    }
    by_name: dict[str, _Handler] = {
        "concept": _concept,
        "preferredConcept": _preferred_concept,
        "term": _term,
        "preferredTerm": _term,
        "termData": _term,  # 2014: a term's permuted forms are labels of its TermData nodes
        "prefLabel": _term_string,
        "altLabel": _term_string,
        "scopeNote": _scope_note,
        "treeNumber": _tree_number,
        "broaderDescriptor": _broader,
        "broaderQualifier": _broader,
        "pharmacologicalAction": _relation("pharmacologicalAction"),
        "allowableQualifier": _relation("allowableQualifier"),
        "preferredMappedTo": _mapping("preferredMappedTo"),
        "mappedTo": _mapping("mappedTo"),
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


def _open_binary(path: Path) -> IO[bytes]:
    """gzip's own ``readline`` is slow per call; a buffered reader in front of it halves the read time."""
    if path.name.lower().endswith(".gz"):
        return io.BufferedReader(gzip.open(path, "rb"), buffer_size=1 << 20)  # type: ignore[arg-type]
    return path.open("rb", buffering=1 << 20)


def parse_ntriples(path: Path, stats: MeshStats | None = None) -> Iterator[ConceptRecord | Rejected]:
    """Yield the descriptors, SCRs and qualifiers of one MeSH N-Triples file, then nothing else.

    Unparseable lines come out as ``Rejected("file:LINE", reason)`` while reading goes on; records follow
    once the file is read (a record's triples may be anywhere in it). Duplicated lines add nothing:
    every multi-valued fact is de-duplicated when records are built.
    """
    stats = stats if stats is not None else MeshStats()
    stats.files += 1
    with spill_store() as store:
        facts = _Facts(store=store)
        yield from _read(path, facts, stats)
        yield from _records(facts, str(path), year_from_name(path), stats)


def _read(path: Path, facts: _Facts, stats: MeshStats) -> Iterator[Rejected]:
    origin = str(path)
    fallback = _Fallback()
    handlers = _HANDLERS
    skipped = _SKIPPED
    unknown = stats.unknown_predicates
    skipped_counts = stats.skipped_predicates
    fast = _FAST_LINE.match
    last_subject_iri = ""
    subject = ""
    triples = 0
    lineno = 0
    try:
        with _open_binary(path) as stream:
            for lineno, raw in enumerate(stream, 1):
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
                        obj = _local(o_iri)[0]
                    elif o_blank is not None:
                        obj = "_:" + o_blank
                    else:
                        obj = literal
                else:
                    parsed = fallback.parse(line)
                    if parsed is None:
                        continue  # blank line or comment
                    if isinstance(parsed, str):
                        stats.rejected += 1
                        yield _rejected_line(origin, lineno, line, parsed)
                        continue
                    s_term, predicate, obj, lang = parsed
                triples += 1
                handler = handlers.get(predicate)
                if handler is None:
                    (skipped_counts if predicate in skipped else unknown)[predicate] += 1
                    continue
                if s_term != last_subject_iri:
                    last_subject_iri = s_term
                    subject, year = _local(s_term)
                    if year is not None and subject[:1] in "CDQ":
                        facts.year.setdefault(subject, year)
                facts.lineno = lineno
                handler(facts, subject, obj, lang)
    except (OSError, EOFError, zlib.error) as exc:  # truncated gzip, unreadable file: keep what was read
        stats.rejected += 1
        reason = one_line(exc)[:200]
        yield Rejected(origin, f"file unreadable after line {lineno}: {reason}; its records may be incomplete")
    stats.lines += lineno
    stats.triples += triples


class _Fallback:
    """rdflib's N-Triples tokenizer, one line at a time, for what the fast expression does not take."""

    def __init__(self) -> None:
        self._sink = _LastTriple()
        self._parser = W3CNTriplesParser(sink=self._sink)  # type: ignore[arg-type]
        self._bnodes: dict[str, BNode] = {}
        self._labels: dict[BNode, str] = {}

    def parse(self, line: str) -> tuple[str, str, str, str | None] | str | None:
        """(subject, predicate, object, language) in the fast path's spelling; a reason string; None if empty."""
        self._sink.triple_seen = None
        self._parser.line = line.rstrip("\r\n")
        try:
            self._parser.parseline(bnode_context=self._bnodes)  # type: ignore[arg-type]
        except NTriplesError as exc:
            return one_line(exc)[:200]
        seen = self._sink.triple_seen
        if seen is None:
            return None
        s, p, o = seen
        lang = o.language if isinstance(o, Literal) else None
        return self._node(s), str(p), (str(o) if isinstance(o, Literal) else _local(self._node(o))[0]), lang

    def _node(self, term: object) -> str:
        if isinstance(term, BNode):
            if term not in self._labels:
                self._labels = {node: label for label, node in self._bnodes.items()}
            return "_:" + self._labels[term]
        return str(term)


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


def _records(facts: _Facts, origin: str, file_year: str | None, stats: MeshStats) -> Iterator[ConceptRecord | Rejected]:
    """Build records once every triple is in: sorted by UI, so two runs over one file agree line for line."""
    kinds = {s: _refined_kind(kind, facts.class_code.get(s)) for s, kind in facts.kind.items()}
    candidates = set(kinds) | set(facts.mapped_line)
    owners = _tree_owners(facts, kinds)
    for ui in sorted(candidates):
        line = facts.kind_line.get(ui) or facts.mapped_line.get(ui)
        if not RECORD_UI.match(ui):
            stats.rejected += 1
            yield Rejected(f"{origin}:{line}", f"record subject {ui!r} is not a MeSH D/C/Q identifier", ui)
            continue
        record = _record(facts, ui, kinds.get(ui), owners, f"{origin}:{line}")
        yield stats.count(record if record.version else replace(record, version=file_year))


def _refined_kind(kind: str, code: str | None) -> str:
    """2014 files type every descriptor ``mesh:Descriptor`` and give the class as a code; name it as today."""
    refine = {"Descriptor": DESCRIPTOR_CLASS, "SupplementaryConceptRecord": SCR_CLASS}.get(kind)
    if refine is None or code is None:
        return kind
    return refine.get(code, kind)


def _family(ui: str) -> str:
    return ui[:1]


def _tree_owners(facts: _Facts, kinds: dict[str, str]) -> dict[tuple[str, str], str]:
    """(record family, tree number) → record: descriptor and qualifier trees are separate hierarchies."""
    owners: dict[tuple[str, str], str] = {}
    for ui in kinds:
        for tree_number in facts.trees.get(ui, ()):
            owners[(_family(ui), tree_number)] = ui
    return owners


def _record(facts: _Facts, ui: str, kind: str | None, owners: dict[tuple[str, str], str], origin: str) -> ConceptRecord:
    store = facts.store
    name = collapse_whitespace(store.get_label(ui))
    # Sets at every hop: a duplicated line must not multiply the walk (record → concept → term → 2014 TermData).
    concepts = sorted(set(store.values(CONCEPT, ui)))
    term_ids = set(store.values(TERM, ui))
    for concept in concepts:
        term_ids.update(store.values(TERM, concept))
    term_ids.update([data for term in term_ids for data in set(store.values(TERM, term))])
    raw: list[str] = []
    for term in term_ids:
        raw.extend(store.values(TERM_STRING, term))
        if (term_label := store.get_label(term)) is not None:  # 2014: a term's string is its rdfs:label
            raw.append(term_label)
    strings = {cleaned for cleaned in map(collapse_whitespace, raw) if cleaned and cleaned != name}
    trees = sorted_unique(facts.trees.get(ui, ()))
    broader = facts.broader.get(ui) or _derived_broader(ui, trees, owners)
    related = list(facts.related.get(ui, ()))
    for node in facts.mapped_data.get(ui, ()):
        target = descriptor_of(facts.mapped_target.get(node, ""))
        if target is not None:
            related.append(("preferredMappedTo" if node in facts.starred else "mappedTo", target))
    return ConceptRecord(
        curie=mesh_curie(ui),
        vocabulary="MESH",
        version=facts.year.get(ui),
        name=name,
        kind=kind,
        synonyms=tuple(sorted(strings)),
        definition=collapse_whitespace(store.get_scope_note(_preferred_concept_of(facts, ui, concepts) or "")),
        broader=tuple(mesh_curie(parent) for parent in sorted_unique(broader)),
        tree_numbers=trees,
        relations=relations(related),
        origin=origin,
    )


def _preferred_concept_of(facts: _Facts, ui: str, concepts: list[str]) -> str | None:
    preferred = facts.preferred_concept.get(ui)
    if preferred is not None:
        return preferred
    return next((concept for concept in concepts if concept in facts.preferred_flag), None)


def _derived_broader(ui: str, trees: tuple[str, ...], owners: dict[tuple[str, str], str]) -> list[str]:
    """Without ``broaderDescriptor`` triples (2014 files), the parents are the owners of the parent tree numbers."""
    parents = []
    for tree_number in trees:
        parent = parent_tree_number(tree_number)
        owner = owners.get((_family(ui), parent)) if parent else None
        if owner is not None and owner != ui:
            parents.append(owner)
    return parents
