// Relationships in the graph by type (from the count store via APOC).
CALL apoc.meta.stats() YIELD relTypesCount
UNWIND keys(relTypesCount) AS type
RETURN type, relTypesCount[type] AS count
ORDER BY count DESC, type
