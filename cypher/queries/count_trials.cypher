// How many trials and registry records the graph holds.
MATCH (t:Trial)
WITH count(t) AS trials
MATCH (r:RegistryRecord)
RETURN trials, count(r) AS records
