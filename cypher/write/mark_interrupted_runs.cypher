// $run_ids, $now. Loads whose process ended without finishing (killed, power lost): shown as interrupted, not
// running. `interrupted_seen` is when that was noticed, after the process ended: a bound on when its writes ended,
// which the removal of stale mappings reads.
MATCH (l:LoadRun {status: 'running'})
WHERE l.run_id IN $run_ids
SET l.status = 'interrupted', l.interrupted_seen = $now
