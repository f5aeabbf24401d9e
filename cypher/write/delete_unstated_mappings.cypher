// $mapping_set, $subjects: list<string>, $load_run. After a whole load of an ontology file, remove the set's
// MAPS_TO edges from concepts the file states that this load did not write: a term the new release keeps with
// fewer or no xrefs (an obsoleted term usually loses them all) must not keep what the old release said. Only
// concepts the file states: a subset file names the set too, and a concept a release no longer states at all
// keeps its old mappings as it keeps its node and version. Only edges of loads known to have ended before this one
// started (finished, failed or seen interrupted; or that left no run record, as graphs written before run
// records): a concurrent load of the same set restamps the edges it restates, and those are not stale.
OPTIONAL MATCH (me:LoadRun {run_id: $load_run})
WITH coalesce(me.started, '') AS started
UNWIND $subjects AS curie
MATCH (:Concept {curie: curie})-[m:MAPS_TO {mapping_set: $mapping_set}]->(:Concept)
WHERE coalesce(m.load_run, '') <> $load_run
  AND NOT EXISTS {
    MATCH (r:LoadRun {run_id: m.load_run})
    WHERE r.status = 'running' OR coalesce(r.finished, r.interrupted_seen, started) >= started
  }
DELETE m
RETURN count(m) AS removed
