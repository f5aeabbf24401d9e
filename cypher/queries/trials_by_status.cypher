// Trials by overall recruitment status.
MATCH (t:Trial)
RETURN coalesce(t.overall_status, 'not given') AS status, count(*) AS trials
ORDER BY trials DESC, status
