// Nodes in the graph by label (from Neo4j's count store via APOC, so it stays instant on large graphs).
CALL apoc.meta.stats() YIELD labels
UNWIND keys(labels) AS label
RETURN label, labels[label] AS count
ORDER BY count DESC, label
