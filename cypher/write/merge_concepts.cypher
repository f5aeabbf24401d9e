// $rows: list<{curie, props, extra}>. Concept nodes keyed by CURIE; a stub made earlier by an edge is filled.
UNWIND $rows AS row
MERGE (c:Concept {curie: row.curie})
SET c += row.props, c += row.extra
REMOVE c.stub
