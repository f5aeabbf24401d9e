// How many concepts and load runs the graph holds: both read from the count store, so this costs the same on any
// graph. Any load (a vocabulary release among them) adds a run, so a cache of something checked against the
// graph's concepts (match's linker index) knows to check again.
CALL () { MATCH (c:Concept) RETURN count(c) AS concepts }
CALL () { MATCH (l:LoadRun) RETURN count(l) AS runs }
RETURN concepts, runs
