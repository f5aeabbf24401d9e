// $run_ids. Loads whose process ended without finishing (killed, power lost): shown as interrupted, not running.
MATCH (l:LoadRun {status: 'running'})
WHERE l.run_id IN $run_ids
SET l.status = 'interrupted'
