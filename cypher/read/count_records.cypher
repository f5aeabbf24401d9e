// How many registry records the graph holds (document frequencies are fractions of it).
MATCH (r:RegistryRecord)
RETURN count(r) AS records
