// $record_ids: list<string>. Remove every fact a record stated, before its new version is written.
UNWIND $record_ids AS id
MATCH (f:RecordFact {record_id: id})
DETACH DELETE f
