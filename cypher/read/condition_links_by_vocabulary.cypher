// The condition strings each of TrialGraph's linkers tied to a concept, per vocabulary (the `trialgraph link`
// summary). NLM's own links (`ctgov-derived`, on MeshTerms) are not condition-string links and are left out.
MATCH (c:Condition)-[l:IS_CONCEPT]->(k:Concept)
WHERE l.source STARTS WITH 'trialgraph-'
RETURN l.source AS source, k.vocabulary AS vocabulary, count(DISTINCT c) AS conditions
ORDER BY source, conditions DESC, vocabulary
