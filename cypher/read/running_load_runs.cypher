// $host. Loads recorded as running by a process on this machine: `trialgraph runs` and every new load check
// whether that process still exists.
MATCH (l:LoadRun {status: 'running', host: $host})
WHERE l.pid IS NOT NULL
RETURN l.run_id AS run_id, l.pid AS pid
