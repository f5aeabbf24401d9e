// $curies: list<string>. The stored version and content hash of each concept that is loaded (not a stub) already.
UNWIND $curies AS curie
MATCH (c:Concept {curie: curie})
WHERE c.stub IS NULL
RETURN c.curie AS curie, c.version AS version, c.content_hash AS content_hash
