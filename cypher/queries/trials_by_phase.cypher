// Trials by phase ("PHASE1|PHASE2" for combined phases; "not given" for observational and unphased studies).
MATCH (t:Trial)
RETURN coalesce(t.phase, 'not given') AS phase, count(*) AS trials
ORDER BY trials DESC, phase
