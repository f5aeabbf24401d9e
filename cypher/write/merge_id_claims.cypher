// $rows: list<{record_id, trial_id, registry, evidence, relation}>. Ids a record states for the same study
// elsewhere (secondary ids, bridging flags, EudraCT numbers...): record -[:CLAIMS {evidence}]-> TrialId.
// Identity resolution groups records into trials from these edges.
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.record_id})
MERGE (i:TrialId {id: row.trial_id})
ON CREATE SET i.registry = row.registry, i.identity_pending = randomUUID()
MERGE (r)-[c:CLAIMS {evidence: row.evidence}]->(i)
SET c.relation = row.relation
