// $sets: list<{mapping_set, legacy, vocabularies, kept}>, $load_run: string. After a whole load of these mapping sets,
// remove the MAPS_TO edges of each set that this load did not write, from the subjects this load restated in the
// set: a mapping the new release no longer states for a concept must not linger. Only restated subjects: a
// subset file that shares its set's name (a MONDO slice says `ontology: mondo` too) must not strip the rest, and
// a concurrent load of the same set, which rewrote a subject's edges after this one, leaves that subject alone;
// and an edge a load that had not ended when this one started wrote last is kept (it restated it).
// `legacy` holds the file names graphs written before sets were named by content gave the same set
// (`doid.obo.gz`); those edges are removed only from subjects of the vocabularies the set now covers.
// `kept` names subjects whose rows may go on past the end of a plain file (its last row's subject): left alone.
OPTIONAL MATCH (me:LoadRun {run_id: $load_run})
WITH coalesce(me.started, '') AS started
UNWIND $sets AS set
MATCH (s:Concept)-[m:MAPS_TO]->(:Concept)
WHERE coalesce(m.load_run, '') <> $load_run
  AND (m.mapping_set = set.mapping_set OR (m.mapping_set IN set.legacy AND s.vocabulary IN set.vocabularies))
  AND EXISTS { (s)-[n:MAPS_TO {mapping_set: set.mapping_set}]->() WHERE n.load_run = $load_run }
  AND NOT s.curie IN set.kept
  AND NOT EXISTS {
    MATCH (r:LoadRun {run_id: m.load_run})
    WHERE r.status = 'running' OR coalesce(r.finished, r.interrupted_seen, started) >= started
  }
DELETE m
RETURN count(m) AS removed
