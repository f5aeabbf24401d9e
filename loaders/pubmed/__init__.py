"""PubMed/MEDLINE XML: citations (title, abstract, MeSH, DataBank accessions...) as typed records."""

from trialgraph.loaders.pubmed.parse import iter_pubmed, parse_pubmed_file
from trialgraph.model.publication import DeletedCitation, PublicationRecord, Rejected

__all__ = ["DeletedCitation", "PublicationRecord", "Rejected", "iter_pubmed", "parse_pubmed_file"]
