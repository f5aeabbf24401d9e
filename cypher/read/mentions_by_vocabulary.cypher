// The criterion linker's mentions by vocabulary, for the summary of `trialgraph link --fields criteria`.
MATCH (:Criterion)-[m:MENTIONS {source: $source}]->(k:Concept)
RETURN k.vocabulary AS vocabulary, count(m) AS mentions, sum(CASE WHEN m.negated THEN 1 ELSE 0 END) AS negated
ORDER BY mentions DESC, vocabulary
