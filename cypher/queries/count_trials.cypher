// How many trials and registry records the graph holds.
RETURN COUNT { (:Trial) } AS trials, COUNT { (:RegistryRecord) } AS records
