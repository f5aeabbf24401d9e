// $sources: the registry sources whose records' conditions are read, or null for all.
// Every distinct condition string (shared by its normalised key), once: what a condition linker links. A string
// is read when any record of a chosen registry studies it.
MATCH (c:Condition)
WHERE $sources IS NULL OR EXISTS { MATCH (c)<-[:STUDIES_CONDITION]-(r:RegistryRecord) WHERE r.source IN $sources }
RETURN c.key AS key, c.name AS name
