// $rows: list<{curie, vocabulary}>: concepts this batch may write only where no copy is stored (end_unproven).
// Run first in the write transaction, before the stored copies are read: MERGE takes the key's lock, creating a
// stub where no node is, so a concurrent load cannot create the concept between this load's read and its write
// (its MERGE waits for this transaction; one that created it first is waited for here, and then read as stored).
// The stub is filled by this batch's record, which nothing then stops (no copy is stored).
// An existing node (a stub another load may be filling) is write-locked too (SET then REMOVE a marker), so that
// load is waited for and its copy is then read as stored.
UNWIND $rows AS row
MERGE (c:Concept {curie: row.curie})
ON CREATE SET c.stub = true, c.vocabulary = row.vocabulary
SET c._lock = true
REMOVE c._lock
