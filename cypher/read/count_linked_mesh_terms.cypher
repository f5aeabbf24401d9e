// How many registry MeSH browse terms exist, and how many are tied to a concept.
MATCH (m:MeshTerm)
RETURN count(m) AS terms, sum(CASE WHEN EXISTS { (m)-[:IS_CONCEPT]->() } THEN 1 ELSE 0 END) AS linked
