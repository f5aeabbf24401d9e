// $curies: list<string>. The stored version and content hash of each concept that is loaded (not a stub) already,
// and the names of the extra properties it was written with (null when none): a rewrite clears those it no longer has.
// end_unproven: the stored copy came from the unproven end of a plain file (null otherwise); a whole copy clears it.
UNWIND $curies AS curie
MATCH (c:Concept {curie: curie})
WHERE c.stub IS NULL
RETURN c.curie AS curie, c.version AS version, c.content_hash AS content_hash, c.extra_keys AS extra_keys,
       c.end_unproven AS end_unproven
