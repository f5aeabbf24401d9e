// $rows: list<{record_id, key, props, criteria: list<{key, props}>}>. Eligibility and its criteria items.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (e:RecordFact:Eligibility {key: row.key})
SET e += row.props, e.record_id = row.record_id
MERGE (r)-[:HAS_ELIGIBILITY]->(e)
WITH e, row
UNWIND row.criteria AS item
MERGE (c:RecordFact:Criterion {key: item.key})
SET c += item.props, c.record_id = row.record_id
MERGE (e)-[:HAS_CRITERION]->(c)
