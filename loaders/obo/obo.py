"""OBO flat files (HPO, DOID, MONDO ``.obo`` / ``.obo.gz``) → concept and mapping records, one stanza at a time.

Each line is split into tag and value by obonet's ``parse_tag_line`` (lenient, maintained: it copes with
the bare URLs that make the strict fastobo/pronto parser reject the whole HPO 2016 file). Stanzas are
grouped here rather than by ``obonet.read_obo`` because that builds a graph which silently merges
duplicated ids, drops obsolete terms by default and forgets line numbers: all three are needed to
quarantine bad input with its ``file:line`` and keep loading the rest.

Cross-references (``xref:`` and ``property_value: skos:exactMatch``) come out as :class:`MappingRecord`
items rather than in ``ConceptRecord.xrefs``, so that the writer builds cross-vocabulary edges the same
way for ontology xrefs and SSSOM rows (one fact, one record; ``xrefs`` stays empty).

A term loads only when its stanza is known to be complete: followed by a blank line or the next stanza
header. The OBO 1.4 grammar ends a frame at the next frame or at end of file, with no closing delimiter, so
end of file alone cannot tell a finished last term from a download cut between two of its lines (a term cut
inside its second ``is_a`` line kept only the first, and the writer then deleted the stored edge to the other).
Release writers (OWLAPI/ROBOT: the HPO and DOID files here) end every frame, the last one included, with a
blank line, so a complete release loses nothing. A term that runs to end of file without one, that holds the
file's unterminated last line, or in which reading stopped (a cut ``.gz``) is quarantined whole, with one
reason naming it; the terms before it load unchanged.

The mappings of a file form one mapping set, named by what the file says it is: its header's ``ontology:``
tag (``ontology: doid`` → ``obo:doid``), never its file name, so a copy saved under another name is the same
set and a reload replaces it (the writer removes what the set no longer states). A file without the tag falls
back to its file name, and each of its mappings carries a one-line warning saying so
(``extra[MAPPING_SET_WARNING]``), which the writer files once per set.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from obonet.read import parse_tag_line

from trialgraph.loaders.concepts.curies import as_curie
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import one_line, open_binary
from trialgraph.model.concept import ConceptRecord, MappingRecord, Rejected, Relation, mapping_set_fallback, prefix_of

__all__ = [
    "XREF_PREDICATE",
    "parse_obo",
    "parse_quoted",
    "split_xref_list",
]

XREF_PREDICATE = "oboInOwl:hasDbXref"
# Key of MappingRecord.extra holding why a set is named by its file name (no identity in the file's content).

# property_value predicates that state a mapping; DOID writes the bare local name, MONDO the CURIE.
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_MAPPING_PREDICATES: dict[str, str] = {
    spelling: f"skos:{name}"
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
    for spelling in (name, f"skos:{name}", f"{_SKOS}{name}")
}
_UNESCAPES = {"n": "\n", "t": "\t", "W": " "}
_VERSION_TAGS = ("data-version", "date")


def parse_quoted(value: str) -> tuple[str, str] | None:
    """``'"text" rest'`` → ``("text", "rest")`` honouring backslash escapes; None when there is no closing quote."""
    if not value.startswith('"'):
        return None
    chars: list[str] = []
    index = 1
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            chars.append(_UNESCAPES.get(value[index + 1], value[index + 1]))
            index += 2
            continue
        if char == '"':
            return "".join(chars), value[index + 1 :].strip()
        chars.append(char)
        index += 1
    return None


def split_xref_list(text: str) -> list[str] | None:
    """The entries of the first ``[...]`` list in ``text``, split on unescaped commas; None when unclosed.

    Escapes are resolved (``url:https\\://a.org`` → ``url:https://a.org``) and quoted descriptions are
    kept with their entry, so a comma inside ``"..."`` does not split.
    """
    start = _unescaped_index(text, "[")
    if start is None:
        return []
    entries: list[str] = []
    current: list[str] = []
    in_quotes = False
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if not in_quotes and char in ",]":
            entries.append("".join(current).strip())
            current = []
            if char == "]":
                return [entry for entry in entries if entry]
        else:
            in_quotes = in_quotes != (char == '"')
            current.append(char)
        index += 1
    return None


def _unescaped_index(text: str, wanted: str) -> int | None:
    index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == wanted:
            return index
        index += 1
    return None


def _xref_list_problem(entries: list[str] | None) -> str | None:
    """Why a def/synonym xref list is malformed, or None: an entry is an id plus at most a quoted description."""
    if entries is None:
        return "malformed xref list: no closing ']'"
    for entry in entries:
        ident, _, rest = entry.partition(" ")
        rest = rest.strip()
        if rest and parse_quoted(rest) is None and not rest.startswith("{"):
            return f"malformed xref {entry!r}: not one identifier (separator other than ',')"
        if not ident:
            return f"malformed xref {entry!r}: empty identifier"
    return None


@dataclass(frozen=True, slots=True)
class _Clause:
    line: int
    tag: str
    value: str  # as obonet splits it: trailing {modifiers} and ! comments removed
    raw: str  # everything after "tag:", for quoted values in which obonet would cut at " ! "


_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError)
_READ_STOPPED = "reading stopped inside it"
_UNCLOSED = "the file ends inside it, with no blank line or next stanza header after it"


@dataclass(slots=True)
class _Stanza:
    kind: str  # "header", "Term", "Typedef", "Instance"
    line: int
    clauses: list[_Clause] = field(default_factory=list)
    closed: bool = False  # a blank line or the next header came after its last clause
    cut: str | None = None  # why it may lack clauses (the file ends or stops inside it); None when complete


def _stanzas(handle: Iterable[str], name: str) -> Iterator[_Stanza | Rejected]:
    """Group lines into stanzas with their line numbers; a line that is not ``tag: value`` is rejected alone.

    A line without a line end is the file's last and was cut (or the file lacks its final newline): it is
    not parsed. The stanza open when input ends is marked ``cut`` unless a blank line closed it; a read error
    (a cut ``.gz``) does the same, then follows as one rejection.
    """
    stanza = _Stanza("header", 1)
    number = 0
    try:
        for number, raw_line in enumerate(handle, start=1):
            if not raw_line.endswith(("\n", "\r")):
                yield from _end_inside_line(stanza, raw_line, number, name)
                return
            text = raw_line.rstrip("\r\n")
            stripped = text.strip()
            if not stripped or stripped.startswith("!"):
                stanza.closed = stanza.closed or not stripped
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                stanza.closed = True
                yield stanza
                stanza = _Stanza(stripped[1:-1], number)
                continue
            stanza.closed = False
            if (clause := _clause(text, number)) is None:
                yield Rejected(f"{name}:{number}", f"not a 'tag: value' line: {stripped[:60]!r}")
            else:
                stanza.clauses.append(clause)
    except _READ_ERRORS as exc:
        stanza.cut = None if stanza.closed else f"{_READ_STOPPED} ({one_line(exc)})"
        yield stanza
        where = f"{name}:{number}" if number else name
        yield Rejected(where, f"unreadable file after this point: {one_line(exc)}", truncated=True)
        return
    stanza.cut = None if stanza.closed else _UNCLOSED
    yield stanza


def _decoded_lines(handle: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 lines with their line ends, decoded one by one: a cut inside a multi-byte character is then a
    cut line (decoded leniently, never parsed) rather than an unreadable file; bad UTF-8 in a whole line
    still stops the file."""
    for raw in handle:
        yield raw.decode("utf-8") if raw.endswith(b"\n") else raw.decode("utf-8", "replace")


def _clause(text: str, number: int) -> _Clause | None:
    """One ``tag: value`` line split by obonet, or None when it has no tag."""
    try:
        tag_line = parse_tag_line(text)
    except ValueError:
        return None
    raw_value = text.split(":", 1)[1].strip()
    return _Clause(number, tag_line.tag.strip(), (tag_line.value or "").strip(), raw_value)


def _end_inside_line(stanza: _Stanza, fragment: str, number: int, name: str) -> Iterator[_Stanza | Rejected]:
    """The file ends inside line ``number``: an open stanza is cut; after a closed one, the fragment is noted."""
    if not stanza.closed:
        stanza.cut = f"the file ends inside its line {number}"
        yield stanza
        return
    yield stanza
    if fragment.strip():
        reason = f"the file ends inside this line, nothing read from it: {fragment[:60]!r}"
        yield Rejected(f"{name}:{number}", reason, truncated=True)


@dataclass(slots=True)
class _Draft:
    """A term being assembled from its clauses; handlers fill it, ``finish`` turns it into records."""

    file: str
    version: str | None
    line: int
    mapping_set: str  # the header's ontology (``obo:doid``), or the file name when it declares none
    set_extra: dict[str, str]  # facts about the set copied onto each mapping (a fallback warning)
    id: str | None = None
    name: str | None = None
    definition: str | None = None
    synonyms: list[str] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    mappings: list[tuple[int, str, str]] = field(default_factory=list)  # (line, predicate, object)
    rejected: list[Rejected] = field(default_factory=list)

    def reject(self, clause: _Clause, reason: str) -> None:
        self.rejected.append(Rejected(f"{self.file}:{clause.line}", reason, self.id))

    def identifier(self, clause: _Clause, value: str, what: str) -> str | None:
        """The CURIE in ``value`` (first token), or None with a rejection when it is not CURIE-shaped."""
        token = value.split()[0] if value.split() else ""
        if converted := as_curie(token):
            return converted
        self.reject(clause, f"malformed {what} {token or value!r}: not a CURIE")
        return None

    def finish(self) -> Iterator[VocabularyItem]:
        assert self.id is not None
        origin = f"{self.file}:{self.line}"
        yield ConceptRecord(
            curie=self.id,
            vocabulary=prefix_of(self.id),
            version=self.version,
            name=self.name,
            synonyms=tuple(dict.fromkeys(self.synonyms)),
            definition=self.definition,
            obsolete=self.obsolete,
            replaced_by=tuple(dict.fromkeys(self.replaced_by)),
            broader=tuple(dict.fromkeys(self.broader)),
            relations=tuple(dict.fromkeys(self.relations)),
            properties=tuple(dict.fromkeys(self.properties)),
            origin=origin,
        )
        extra = {**self.set_extra, **({"mapping_set_version": self.version} if self.version else {})}
        for line, predicate, target in self.mappings:
            yield MappingRecord(
                subject=self.id,
                predicate=predicate,
                object=target,
                mapping_set=self.mapping_set,
                extra=dict(extra),
                origin=f"{self.file}:{line}",
            )
        yield from self.rejected


def _on_id(draft: _Draft, clause: _Clause) -> None:
    draft.id = draft.identifier(clause, clause.value, "id")


def _on_name(draft: _Draft, clause: _Clause) -> None:
    draft.name = clause.value or None


def _on_def(draft: _Draft, clause: _Clause) -> None:
    parsed = parse_quoted(clause.raw)
    if parsed is None:
        draft.reject(clause, "malformed def: no quoted text")
        return
    draft.definition, rest = parsed
    _check_xref_list(draft, clause, rest)


def _on_synonym(draft: _Draft, clause: _Clause) -> None:
    parsed = parse_quoted(clause.raw)
    if parsed is None:
        draft.reject(clause, "malformed synonym: no quoted text")
        return
    text, rest = parsed
    if text.strip():
        draft.synonyms.append(text.strip())
    _check_xref_list(draft, clause, rest)


def _check_xref_list(draft: _Draft, clause: _Clause, rest: str) -> None:
    """Provenance lists are not stored, but a broken one is quarantined (the text itself still loads)."""
    problem = _xref_list_problem(split_xref_list(rest))
    if problem:
        draft.reject(clause, f"{problem} in {clause.tag} xref list")


def _on_obsolete(draft: _Draft, clause: _Clause) -> None:
    draft.obsolete = clause.value.lower() == "true"


def _on_replaced_by(draft: _Draft, clause: _Clause) -> None:
    if target := draft.identifier(clause, clause.value, "replaced_by"):
        draft.replaced_by.append(target)


def _on_is_a(draft: _Draft, clause: _Clause) -> None:
    if parent := draft.identifier(clause, clause.value, "is_a"):
        draft.broader.append(parent)


def _on_relationship(draft: _Draft, clause: _Clause) -> None:
    parts = clause.value.split()
    if len(parts) < 2:
        draft.reject(clause, f"malformed relationship {clause.value!r}: expected 'PREDICATE TARGET'")
        return
    if target := draft.identifier(clause, parts[1], "relationship target"):
        draft.relations.append(Relation(parts[0], target))


def _on_xref(draft: _Draft, clause: _Clause) -> None:
    token = _unescape(clause.value.split()[0]) if clause.value.split() else ""
    if converted := as_curie(token):
        draft.mappings.append((clause.line, XREF_PREDICATE, converted))
    else:
        draft.reject(clause, f"malformed xref {token or clause.value!r}: not a CURIE")


def _on_property_value(draft: _Draft, clause: _Clause) -> None:
    predicate, _, rest = clause.value.partition(" ")
    mapped = _MAPPING_PREDICATES.get(predicate)
    if mapped is None:
        return
    quoted = parse_quoted(rest.strip())
    target = quoted[0] if quoted else rest.strip().split(" ")[0]
    if converted := as_curie(target):
        draft.mappings.append((clause.line, mapped, converted))
    else:
        draft.reject(clause, f"malformed {predicate} target {target!r}: not a CURIE")


def _property(key: str) -> Callable[[_Draft, _Clause], None]:
    def keep(draft: _Draft, clause: _Clause) -> None:
        if clause.value:
            draft.properties.append((key, clause.value.split()[0]))

    return keep


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


_TERM_HANDLERS: dict[str, Callable[[_Draft, _Clause], None]] = {
    "id": _on_id,
    "name": _on_name,
    "def": _on_def,
    "synonym": _on_synonym,
    "is_obsolete": _on_obsolete,
    "replaced_by": _on_replaced_by,
    "is_a": _on_is_a,
    "relationship": _on_relationship,
    "xref": _on_xref,
    "property_value": _on_property_value,
    "alt_id": _property("alt_id"),
    "consider": _property("consider"),  # a suggestion, not a replacement: kept apart from replaced_by
    "subset": _property("subset"),
}


def _header_version(stanza: _Stanza) -> str | None:
    values = {clause.tag: clause.value for clause in stanza.clauses}
    return next((values[tag] for tag in _VERSION_TAGS if values.get(tag)), None)


def _header_ontology(stanza: _Stanza) -> str | None:
    """``obo:<id>`` from the header's ``ontology:`` tag (OBO 1.4: the ontology's id-space, ``doid``), or None."""
    ontology = next((clause.value for clause in stanza.clauses if clause.tag == "ontology" and clause.value), None)
    return f"obo:{ontology.split()[0].lower()}" if ontology else None


def parse_obo(path: Path) -> Iterator[VocabularyItem]:
    """Yield a ConceptRecord per ``[Term]`` (first of duplicated ids wins), its mappings, and rejections.

    Bad clauses are rejected one by one while their term still loads; ``is_a`` cycles are reported at
    the end (terms in a cycle are emitted all the same: the graph can hold them, a reader must know). A term
    the file ends or stops inside is one rejection and no record (see the module docstring).
    """
    name = path.name
    version: str | None = None
    mapping_set, set_extra = mapping_set_fallback(name, None, "'ontology:' header tag")
    first_line: dict[str, int] = {}
    edges: list[tuple[str, str]] = []
    line = 0
    try:
        with open_binary(path) as handle:
            for item in _stanzas(_decoded_lines(handle), name):
                if isinstance(item, Rejected):
                    yield item
                    continue
                line = item.line
                if item.kind == "header":
                    version = _header_version(item)
                    mapping_set, set_extra = mapping_set_fallback(
                        name, _header_ontology(item), "'ontology:' header tag"
                    )
                    continue
                if item.kind != "Term":
                    continue
                if item.cut is not None:
                    yield _cut_term(item, name)
                    continue
                draft = _Draft(name, version, item.line, mapping_set, set_extra)
                for clause in item.clauses:
                    handler = _TERM_HANDLERS.get(clause.tag)
                    if handler is not None:
                        handler(draft, clause)
                if draft.id is None:
                    yield Rejected(f"{name}:{item.line}", "term without a valid id")
                    yield from draft.rejected
                    continue
                if draft.id in first_line:
                    reason = f"duplicated id {draft.id} (first defined at line {first_line[draft.id]})"
                    yield Rejected(f"{name}:{item.line}", reason, draft.id)
                    continue
                first_line[draft.id] = item.line
                edges.extend((draft.id, parent) for parent in draft.broader)
                yield from draft.finish()
    except _READ_ERRORS as exc:
        where = f"{name}:{line}" if line else name
        yield Rejected(where, f"unreadable file after this point: {one_line(exc)}", truncated=True)
    yield from _cycles(edges, first_line, name)


def _cut_term(stanza: _Stanza, name: str) -> Rejected:
    """The whole term, quarantined: what it would state is unknown, so none of it is written."""
    ids = [clause.value.split()[0] for clause in stanza.clauses if clause.tag == "id" and clause.value.split()]
    term_id = as_curie(ids[0]) if ids else None
    reason = f"term {term_id or '(id not read)'} of {name} not loaded, it may be incomplete: {stanza.cut}"
    # The file's one "ended early" entry, unless reading broke off: that rejection follows and is the one.
    ended_early = not (stanza.cut or "").startswith(_READ_STOPPED)
    return Rejected(f"{name}:{stanza.line}", reason, term_id, truncated=ended_early)


def _cycles(edges: list[tuple[str, str]], first_line: dict[str, int], name: str) -> Iterator[Rejected]:
    """One rejection per strongly connected group of terms, naming one cycle through it."""
    graph: nx.DiGraph[str] = nx.DiGraph(edges)
    for component in nx.strongly_connected_components(graph):
        member = min(component)
        if len(component) == 1 and not graph.has_edge(member, member):
            continue
        cycle = nx.find_cycle(graph.subgraph(component), source=member)
        path = " → ".join([*(edge[0] for edge in cycle), cycle[0][0]])
        where = f"{name}:{first_line[member]}" if member in first_line else name
        yield Rejected(where, f"is_a cycle: {path}", member)
