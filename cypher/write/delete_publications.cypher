// $keys: list<string>, $sources: link sources stated by citations. PubMed deleted these citations: drop what PubMed stated (content, indexing, links it
// found, and its embeddings: they were made from text that is gone), and the node itself unless a registry record or a curated link set still cites it. Returns how many
// publications this changed (0 when a reload applies a deletion the graph already holds).
UNWIND $keys AS key
MATCH (p:Publication {key: key})
WITH DISTINCT p, p.deleted_in_pubmed IS NULL AS fresh
CALL (p) {
  MATCH (p)-[e:HAS_MESH_HEADING|MENTIONS_TRIAL]->()
  WHERE e:HAS_MESH_HEADING OR e.source IN $sources
  DELETE e
}
CALL (p) {
  MATCH (p)<-[:EMBEDS]-(x:Embedding)
  DETACH DELETE x
}
SET p.deleted_in_pubmed = true, p.stub = true
REMOVE p.title, p.abstract, p.abstract_sections, p.pubmed_precedence, p.pubmed_content_hash, p.mesh_headings, p.pubmed_version, p.journal, p.journal_iso, p.issn, p.pub_date, p.year, p.authors, p.affiliations, p.publication_types, p.databanks, p.keywords, p.languages, p.pmc, p.medline_status, p.date_revised, p.source_file
WITH p, fresh
CALL (p) {
  WITH p
  WHERE NOT EXISTS { (p)--() }
  DELETE p
}
RETURN count(CASE WHEN fresh THEN 1 END) AS deleted
