// title: Nodes by label
// purpose: How big each part of the graph is, from Neo4j's count store (via APOC), so it stays
//   instant on large graphs.
// example: trialgraph query count_nodes_by_label
CALL apoc.meta.stats() YIELD labels
UNWIND keys(labels) AS label
RETURN label, labels[label] AS count
ORDER BY count DESC, label
