// title: Relationships by type
// purpose: How many edges of each type the graph holds, from the count store (via APOC).
// example: trialgraph query count_relationships_by_type
CALL apoc.meta.stats() YIELD relTypesCount
UNWIND keys(relTypesCount) AS type
RETURN type, relTypesCount[type] AS count
ORDER BY count DESC, type
