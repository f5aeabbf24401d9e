// The free-text linker's mentions by field and vocabulary, for the summary of `trialgraph link --fields ...`.
MATCH ()-[m:MENTIONS {source: $source}]->(k:Concept)
RETURN m.field AS field, k.vocabulary AS vocabulary, count(m) AS mentions,
       sum(CASE WHEN m.negated THEN 1 ELSE 0 END) AS negated
ORDER BY field, mentions DESC, vocabulary
