// Every registry record and trial id: the scope of a full identity resolution.
CALL () { MATCH (r:RegistryRecord) RETURN collect(r.record_id) AS record_ids }
CALL () { MATCH (i:TrialId) RETURN collect(i.id) AS ids }
RETURN record_ids, ids
