// $record_ids: list<string>. The stored version and content hash of each record that exists.
UNWIND $record_ids AS id
MATCH (r:RegistryRecord {record_id: id})
RETURN r.record_id AS record_id, r.precedence AS precedence, r.content_hash AS content_hash
