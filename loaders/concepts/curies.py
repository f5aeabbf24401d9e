"""CURIE and IRI helpers shared by every vocabulary parser that reads identifiers written by others.

OBO and OWL ontologies and SSSOM mapping sets all name concepts as CURIEs (``MONDO:0005015``) or as
IRIs (``http://purl.obolibrary.org/obo/MONDO_0005015``), with varying prefix spellings. They must all
end up as the one CURIE spelling the graph keys ``Concept`` nodes by, so the conversion lives here,
once, rather than in whichever parser happened to need it first.
"""

from __future__ import annotations

import re

from trialgraph.model.concept import CURIE, curie

__all__ = ["as_curie", "iri_to_curie", "is_curie", "normalize_curie"]


def is_curie(value: str) -> bool:
    """A ``PREFIX:local`` identifier; a URL (``https://...``) matches the CURIE regex but is not one."""
    return bool(CURIE.match(value)) and not value.split(":", 1)[1].startswith("//")


# IRI namespaces that are not OBO PURLs but name an id space the graph knows by a CURIE prefix.
_IRI_PREFIXES: dict[str, str] = {
    "http://www.ebi.ac.uk/efo/EFO_": "EFO",
    "http://www.orpha.net/ORDO/Orphanet_": "Orphanet",
    "http://id.nlm.nih.gov/mesh/": "MESH",
    "http://linkedlifedata.com/resource/umls/id/": "UMLS",
    "http://purl.bioontology.org/ontology/ICD10CM/": "ICD10CM",
    "https://omim.org/entry/": "OMIM",
}
_OBO_PURL = re.compile(r"^https?://purl\.obolibrary\.org/obo/([A-Za-z][A-Za-z0-9.-]*)_([^/#_]\S*)$")
_IDENTIFIERS_ORG = re.compile(r"^https?://identifiers\.org/([A-Za-z][A-Za-z0-9._-]*)[/:]([^/\s]+)$")


def iri_to_curie(iri: str) -> str | None:
    """``http://purl.obolibrary.org/obo/MONDO_0005015`` → ``MONDO:0005015`` (OBO PURL rule), or None.

    identifiers.org IRIs (``http://identifiers.org/hgnc/7325`` → ``HGNC:7325``) and a few well-known
    namespaces are converted too, so a relation target written as an IRI is not lost.
    """
    if match := _OBO_PURL.match(iri):
        return normalize_curie(f"{match.group(1)}:{match.group(2)}")
    if match := _IDENTIFIERS_ORG.match(iri):
        return normalize_curie(f"{match.group(1).upper()}:{match.group(2)}")
    for namespace, prefix in _IRI_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return curie(prefix, iri[len(namespace) :])
    return None


def as_curie(value: str) -> str | None:
    """A CURIE (prefix spelling unified), or the CURIE of a convertible IRI; None for bare URLs, spaces..."""
    if is_curie(value):
        return normalize_curie(value)
    return iri_to_curie(value) if "://" in value else None


def normalize_curie(value: str) -> str:
    """One spelling per prefix across sources (``MeSH:D1``, ``mesh:D1`` → ``MESH:D1``), via ``record.curie``."""
    prefix, local = value.split(":", 1)
    return curie(prefix, local)
