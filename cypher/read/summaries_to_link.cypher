// $sources: the registry sources whose records are read (and 'pubmed' for publications), or null for all.
// One page of registry records whose brief summary the free-text linker has not linked with $method_version, or
// linked before the record last changed (its content hash moved on), by record id after $after.
MATCH (r:RegistryRecord)
WHERE r.record_id > $after AND r.brief_summary IS NOT NULL AND ($sources IS NULL OR r.source IN $sources)
  AND (r.mentions_linked IS NULL OR r.mentions_linked <> $method_version OR r.mentions_of IS NULL
       OR r.mentions_of <> r.content_hash)
RETURN r.record_id AS key, r.content_hash AS version, [{field: 'brief_summary', text: r.brief_summary}] AS texts
ORDER BY r.record_id
LIMIT $limit
