// title: Trials by phase
// purpose: Combined phases read "PHASE1|PHASE2"; observational and unphased studies are "not given".
// example: trialgraph query trials_by_phase
MATCH (t:Trial)
RETURN coalesce(t.phase, 'not given') AS phase, count(*) AS trials
ORDER BY trials DESC, phase
