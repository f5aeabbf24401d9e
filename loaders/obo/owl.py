"""OWL ontologies (RDF/XML or OWL/XML, e.g. a DO slim or a MONDO import module) → concept and mapping records.

owlready2 reads the file into a fresh in-memory ``World`` per file, so two files never share entities
and nothing is cached between runs. It is handed an open file object (never an IRI), and every
``owl:imports`` target is registered as an already-loaded empty ontology before loading: owlready2
would otherwise download imports from the network, and a parser must depend on its input file only.

Annotations are read with one SPARQL query per annotation property rather than through attribute
access on classes, because owlready2 only resolves ``cls.IAO_0000115`` style attributes for properties
the file happens to declare; an undeclared but used annotation property would silently read as empty.

The file's mappings form one mapping set named by the ontology's IRI (``owl:Ontology rdf:about``, or
``ontologyIRI`` in OWL/XML), read by the same streaming scan that finds the imports; the file name is used only
when the file declares no IRI, and its mappings then carry a one-line warning (see ``obo.mapping_set_fallback``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from lxml import etree
from owlready2 import Thing, ThingClass, World

from trialgraph.loaders.concepts.curies import as_curie, iri_to_curie
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import one_line, open_binary
from trialgraph.loaders.obo.obo import XREF_PREDICATE
from trialgraph.model.concept import ConceptRecord, MappingRecord, Rejected, mapping_set_fallback, prefix_of

__all__ = ["parse_owl"]

_OWL = "http://www.w3.org/2002/07/owl#"
_OBO = "http://purl.obolibrary.org/obo/"
_OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_DEFINITION = f"{_OBO}IAO_0000115"
_REPLACED_BY = f"{_OBO}IAO_0100001"
_DEPRECATED = f"{_OWL}deprecated"
_SYNONYMS = tuple(f"{_OBO_IN_OWL}has{scope}Synonym" for scope in ("Exact", "Related", "Broad", "Narrow"))
_VERSION = (f"{_OWL}versionIRI", f"{_OWL}versionInfo")

# Annotation property → the predicate its values become as MappingRecords.
_MAPPING_PROPERTIES: dict[str, str] = {
    f"{_OBO_IN_OWL}hasDbXref": XREF_PREDICATE,
    **{f"{_SKOS}{name}": f"skos:{name}" for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")},
    f"{_SKOS}relatedMatch": "skos:relatedMatch",
}
_IMPORT_TAGS = (f"{{{_OWL}}}imports", f"{{{_OWL}}}Import")  # RDF/XML element, OWL/XML element
_ONTOLOGY_TAG = f"{{{_OWL}}}Ontology"  # RDF/XML: rdf:about; OWL/XML (the root element): ontologyIRI
_RDF_RESOURCE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"

Values = dict[str, list[Any]]  # subject IRI → annotation values, in file order


def _scan(path: Path) -> tuple[str | None, list[str]]:
    """The ontology's IRI (None when it declares none) and the IRIs it imports, by one streaming XML scan."""
    ontology: str | None = None
    found: list[str] = []
    with open_binary(path) as handle:
        tags = (*_IMPORT_TAGS, _ONTOLOGY_TAG)
        for event, element in etree.iterparse(handle, events=("start", "end"), tag=tags, huge_tree=True):
            if element.tag == _ONTOLOGY_TAG:
                if event == "start" and ontology is None:
                    ontology = (element.get(_RDF_ABOUT) or element.get("ontologyIRI") or "").strip() or None
                continue
            if event == "end":
                target = element.get(_RDF_RESOURCE) or (element.text or "").strip()
                if target:
                    found.append(target)
                element.clear()
    return ontology, found


def _annotation(world: World, prop: str) -> Values:
    """All (subject, value) pairs of one annotation property, keyed by subject IRI."""
    query = f"SELECT ?s ?o WHERE {{ ?s <{prop}> ?o }}"
    values: Values = defaultdict(list)
    for subject, value in world.sparql(query, error_on_undefined_entities=False):
        iri = getattr(subject, "iri", None)
        if iri is not None:
            values[iri].append(getattr(value, "iri", value))
    return values


def _first_text(values: list[Any]) -> str | None:
    """The first non-empty value, preferring English where labels carry languages."""
    english = [value for value in values if getattr(value, "lang", "en") in ("", "en")]
    for value in english or values:
        text = str(value).strip()
        if text:
            return text
    return None


def _version(world: World) -> str | None:
    for prop in _VERSION:
        for values in _annotation(world, prop).values():
            if text := _first_text(values):
                return text
    return None


def _load(path: Path) -> tuple[World, str | None]:
    """A fresh World holding only this file, and the ontology's IRI; imports are stubbed so owlready2 never goes
    online."""
    world = World()
    ontology, imports = _scan(path)
    for iri in imports:
        world.get_ontology(iri).loaded = True
    with open_binary(path) as handle:
        world.get_ontology(path.resolve().as_uri()).load(fileobj=handle)
    return world, ontology


def parse_owl(path: Path) -> Iterator[VocabularyItem]:
    """Yield a ConceptRecord per named class (sorted by IRI), its mappings, and rejections.

    A class that is only declared here (no label, annotation or named parent: an import stub such as
    ``HP:0000822`` in a MONDO import module) is rejected rather than emitted, because a nameless copy
    of a concept another vocabulary defines would overwrite the real one in the graph.
    """
    name = path.name
    try:
        world, ontology = _load(path)
    except Exception as exc:  # owlready2 and lxml raise many types for a broken file: quarantine it whole
        # ``whole_file``: nothing of it loads (a cut download never parses), so the load is ``partial``.
        yield Rejected(name, f"cannot read OWL file: {type(exc).__name__}: {one_line(exc)}", whole_file=True)
        return
    with closing(world):
        yield from _records(world, name, ontology)


def _records(world: World, name: str, ontology: str | None) -> Iterator[VocabularyItem]:
    version = _version(world)
    mapping_set, set_extra = mapping_set_fallback(name, ontology, "ontology IRI (owl:Ontology rdf:about)")
    labels, definitions = _annotation(world, _LABEL), _annotation(world, _DEFINITION)
    deprecated, replaced = _annotation(world, _DEPRECATED), _annotation(world, _REPLACED_BY)
    synonyms = [_annotation(world, prop) for prop in _SYNONYMS]
    mappings = {predicate: _annotation(world, prop) for prop, predicate in _MAPPING_PROPERTIES.items()}
    classes = sorted((cls for cls in world.classes() if isinstance(cls, ThingClass)), key=lambda cls: cls.iri)
    for cls in classes:
        iri = cls.iri
        origin = f"{name}#{iri}"
        concept = iri_to_curie(iri)
        if concept is None:
            yield Rejected(origin, f"class IRI {iri} has no CURIE form (not an OBO PURL)")
            continue
        parents = [parent.iri for parent in cls.is_a if isinstance(parent, ThingClass) and parent is not Thing]
        class_synonyms = [str(value).strip() for table in synonyms for value in table.get(iri, ())]
        class_mappings = [(predicate, value) for predicate, table in mappings.items() for value in table.get(iri, ())]
        annotated = labels.get(iri) or definitions.get(iri) or deprecated.get(iri) or class_synonyms
        if not (annotated or parents or class_mappings):
            yield Rejected(origin, "class only declared here (no label, annotation or named parent)", concept)
            continue
        rejected: list[Rejected] = []
        broader = _curies(parents, "subClassOf parent", origin, concept, rejected)
        replaced_by = _curies(replaced.get(iri, []), "replaced_by", origin, concept, rejected)
        yield ConceptRecord(
            curie=concept,
            vocabulary=prefix_of(concept),
            version=version,
            name=_first_text(labels.get(iri, [])),
            synonyms=tuple(dict.fromkeys(text for text in class_synonyms if text)),
            definition=_first_text(definitions.get(iri, [])),
            obsolete=any(value is True or str(value).lower() == "true" for value in deprecated.get(iri, [])),
            replaced_by=replaced_by,
            broader=broader,
            origin=origin,
        )
        extra = {**set_extra, **({"mapping_set_version": version} if version else {})}
        for predicate, value in class_mappings:
            target = as_curie(str(value).strip())
            if target is None:
                rejected.append(Rejected(origin, f"malformed {predicate} value {str(value)!r}: not a CURIE", concept))
                continue
            yield MappingRecord(concept, predicate, target, mapping_set=mapping_set, extra=dict(extra), origin=origin)
        yield from rejected


def _curies(values: list[Any], what: str, origin: str, concept: str, rejected: list[Rejected]) -> tuple[str, ...]:
    """CURIEs of IRI or CURIE values; the ones that cannot be converted are rejected, the rest kept."""
    found: list[str] = []
    for value in values:
        if target := as_curie(str(value).strip()):
            found.append(target)
        else:
            rejected.append(Rejected(origin, f"{what} {value!s} has no CURIE form", concept))
    return tuple(dict.fromkeys(found))
