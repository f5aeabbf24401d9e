// What the results-evidence task reads: every statistical analysis of a CT.gov record's outcome measures, with
// the groups it compares in its own order (title, description and the value posted for that outcome) and what
// the question shows. Values per group > 1 means the measure has several categories or classes.
MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord {source: 'ctgov'})-[:HAS_OUTCOME_MEASURE]->(m:OutcomeMeasure)
      -[:HAS_ANALYSIS]->(a:OutcomeAnalysis)
CALL (r) {
  OPTIONAL MATCH (r)-[sc:STUDIES_CONDITION]->(c:Condition)
  WITH c ORDER BY sc.position
  RETURN collect(c.name) AS conditions
}
CALL (m) {
  OPTIONAL MATCH (m)-[:HAS_VALUE]->(v:MeasureValue)
  WITH v.group_id AS group_id, count(v) AS values
  RETURN max(values) AS categories
}
CALL (m, a) {
  UNWIND range(0, size(coalesce(a.group_ids, [])) - 1) AS position
  WITH position, a.group_ids[position] AS group_id
  OPTIONAL MATCH (m)-[:HAS_VALUE]->(v:MeasureValue {group_id: group_id})
  OPTIONAL MATCH (v)-[:FOR_GROUP]->(g:ResultGroup)
  WITH position, group_id, collect(v.value)[0] AS value, collect(g)[0] AS g
  ORDER BY position
  RETURN collect({group_id: group_id, title: coalesce(g.title, group_id), description: g.description,
                  value: value}) AS groups
}
RETURN t.trial_id AS trial_id, a.key AS key, r.brief_title AS trial_title, conditions, m.kind AS outcome_kind,
       m.title AS outcome_title, m.description AS outcome_description, m.time_frame AS time_frame,
       m.param_type AS param_type, m.units AS units, groups, coalesce(categories, 0) AS categories,
       a.p_value AS p_value, a.p_value_modifier AS p_modifier, a.non_inferiority_type AS non_inferiority_type,
       a.tested_non_inferiority AS tested_non_inferiority,
       m.position AS outcome_position, a.position AS analysis_position
ORDER BY trial_id, m.position, a.position
