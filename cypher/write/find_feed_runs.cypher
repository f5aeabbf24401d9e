// $source. The update runs of one feed, newest first: an unfinished one to resume, and the date through
// which the last completed one brought the graph up to date.
MATCH (l:LoadRun {source: $source})
WHERE l.feed_since IS NOT NULL
RETURN l.run_id AS run_id, l.status AS status, l.feed_since AS since, l.feed_until AS until,
       l.feed_query AS query, l.next_token AS next_token, l.pages AS pages, l.started AS started
ORDER BY l.started DESC, l.run_id DESC
