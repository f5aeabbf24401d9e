// $source. The update runs of one feed, newest first: an unfinished one to resume (with the counters its
// committed pages recorded, which the resumed run carries on), and the date through which the last completed
// one brought the graph up to date.
MATCH (l:LoadRun {source: $source})
WHERE l.feed_since IS NOT NULL
RETURN l.run_id AS run_id, l.status AS status, l.feed_since AS since, l.feed_until AS until,
       l.feed_query AS query, l.next_token AS next_token, l.pages AS pages, l.started AS started,
       l.studies AS studies, l.written AS written, l.unchanged AS unchanged, l.superseded AS superseded,
       l.rejected AS rejected, l.page_runs AS page_runs
ORDER BY l.started DESC, l.run_id DESC
