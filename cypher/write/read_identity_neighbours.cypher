// $record_ids, $ids: list<string>. One step of the closure of an identity resolution's scope: everything whose
// grouping can change with these records and trial ids. A record reaches its own trial key, the ids it claims,
// the other records of its trial and the ids tied to that trial; a trial id reaches the records that claim it or
// are keyed by it, its SAME_TRIAL_AS partners, and the records of the trial it identifies or names.
UNWIND $record_ids AS rid
MATCH (r:RegistryRecord {record_id: rid})
RETURN 'id' AS kind, coalesce(r.trial_key, r.nct_id, r.raw_id) AS value
UNION
UNWIND $record_ids AS rid
MATCH (:RegistryRecord {record_id: rid})-[:CLAIMS]->(i:TrialId)
RETURN 'id' AS kind, i.id AS value
UNION
UNWIND $record_ids AS rid
MATCH (:RegistryRecord {record_id: rid})-[:RECORD_OF]->(:Trial)<-[:RECORD_OF]-(o:RegistryRecord)
RETURN 'record' AS kind, o.record_id AS value
UNION
UNWIND $record_ids AS rid
MATCH (:RegistryRecord {record_id: rid})-[:RECORD_OF]->(:Trial)<-[:IDENTIFIES]-(i:TrialId)
RETURN 'id' AS kind, i.id AS value
UNION
UNWIND $ids AS id
MATCH (:TrialId {id: id})<-[:CLAIMS]-(r:RegistryRecord)
RETURN 'record' AS kind, r.record_id AS value
UNION
UNWIND $ids AS id
MATCH (r:RegistryRecord {trial_key: id})
RETURN 'record' AS kind, r.record_id AS value
UNION
UNWIND $ids AS id
MATCH (r:RegistryRecord {nct_id: id})
RETURN 'record' AS kind, r.record_id AS value
UNION
UNWIND $ids AS id
MATCH (:TrialId {id: id})-[:SAME_TRIAL_AS]-(o:TrialId)
RETURN 'id' AS kind, o.id AS value
UNION
UNWIND $ids AS id
MATCH (:TrialId {id: id})-[:IDENTIFIES]->(:Trial)<-[:RECORD_OF]-(r:RegistryRecord)
RETURN 'record' AS kind, r.record_id AS value
UNION
UNWIND $ids AS id
MATCH (:Trial {trial_id: id})<-[:RECORD_OF]-(r:RegistryRecord)
RETURN 'record' AS kind, r.record_id AS value
