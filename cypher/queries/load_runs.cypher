// title: Load runs, newest first
// purpose: Every load, link and update run with its status (completed, partial, running, failed, interrupted),
//   source, counts and times. Partial: some input was not read (files quarantined whole, or files that end
//   early, counted in files_truncated). A run whose process ended without finishing shows as interrupted once a
//   later `trialgraph runs` or load has looked.
// param: limit integer = 20  rows to return
// example: trialgraph query load_runs -p limit=5
MATCH (l:LoadRun)
RETURN l.run_id AS run_id, l.source AS source, l.status AS status, l.started AS started, l.finished AS finished,
       l.read AS read, l.written AS written, l.unchanged AS unchanged, l.rejected AS rejected,
       l.field_issues AS field_issues, l.files_quarantined AS files_quarantined,
       l.files_truncated AS files_truncated
ORDER BY l.started DESC, l.run_id DESC
LIMIT toInteger($limit)  // Browser sends :params numbers as floats
