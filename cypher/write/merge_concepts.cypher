// $rows: list<{curie, props, extra}>. Concept nodes keyed by CURIE; a stub made earlier by an edge is filled.
UNWIND $rows AS row
MERGE (c:Concept {curie: row.curie})
REMOVE c.full_name  // present in props only for a label too long to index: a shortened label drops it
SET c += row.props, c += row.extra
REMOVE c.stub
