// title: Trials by recruitment status
// purpose: Trials per overall recruitment status as the registry states it.
// example: trialgraph query trials_by_status
MATCH (t:Trial)
RETURN coalesce(t.overall_status, 'not given') AS status, count(*) AS trials
ORDER BY trials DESC, status
