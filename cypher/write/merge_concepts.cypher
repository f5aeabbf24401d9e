// $rows: list<{curie, props, extra}>. Concept nodes keyed by CURIE; a stub made earlier by an edge is filled.
// props.full_name, props.extra_keys and props.end_unproven are present only when needed: a concept written without
// them drops them.
// extra holds the record's vocabulary-specific properties plus null for each key of the stored extra_keys the new
// record no longer states, so `+=` removes those too and the node keeps only the last release's extra properties.
UNWIND $rows AS row
MERGE (c:Concept {curie: row.curie})
REMOVE c.full_name, c.extra_keys, c.end_unproven
SET c += row.props, c += row.extra
REMOVE c.stub
