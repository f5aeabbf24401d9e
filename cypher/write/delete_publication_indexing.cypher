// $keys: list<string>, $sources: the link sources a citation states itself. Remove the MeSH indexing and the PubMed-stated trial links of these publications before
// a newer version of the citation writes them again.
UNWIND $keys AS key
MATCH (:Publication {key: key})-[e:HAS_MESH_HEADING|MENTIONS_TRIAL]->(target)
WHERE e:HAS_MESH_HEADING OR e.source IN $sources
DELETE e
