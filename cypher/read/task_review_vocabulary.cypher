// The MeSH vocabulary of review headings, for a review item's graph context: each heading's entry terms and its
// narrower headings (direct children), where the MeSH vocabulary is loaded. Public vocabulary, not a trial's
// answer: a searcher or screener would read the same MeSH page.
// Parameters: $names (heading names as NLM indexed the records), $max_terms (per list).
UNWIND $names AS name
MATCH (c:Concept {name: name})
WHERE c.vocabulary = 'MESH' AND NOT coalesce(c.obsolete, false)
OPTIONAL MATCH (k:Concept)-[:BROADER]->(c)
WHERE k.vocabulary = 'MESH' AND NOT coalesce(k.obsolete, false)
WITH name, c, k
ORDER BY k.name
WITH name, c, [x IN collect(DISTINCT k.name) WHERE x IS NOT NULL] AS narrower
RETURN name, c.curie AS curie, [s IN coalesce(c.synonyms, []) WHERE s <> name][..$max_terms] AS synonyms,
       narrower[..$max_terms] AS narrower
ORDER BY name, curie
