// $run_id, $props. The account of one load: source, files, counts, software version, start and end.
MERGE (l:LoadRun {run_id: $run_id})
SET l += $props
