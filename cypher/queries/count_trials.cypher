// title: Trials and registry records
// purpose: How many distinct trials the graph holds, and how many registry records describe them
//   (a trial registered twice is one trial with two records).
// example: trialgraph query count_trials
RETURN COUNT { (:Trial) } AS trials, COUNT { (:RegistryRecord) } AS records
