// title: Why trials stopped, by phase and sponsor class
// purpose: Terminated, withdrawn and suspended trials (each as its CT.gov record states it, else its newest
//   record) grouped by phase, lead sponsor class and a reason
//   category read from the registry's free-text why_stopped. The category is the first rule that
//   matches, in this order: enrollment (accru/enrol/recruit), funding (fund/financ/budget), safety
//   (safety/adverse/toxic), efficacy (efficacy/futil/interim), business (business/sponsor/company/
//   strateg), covid (covid/pandemic); else other, or "not given" when the registry states no reason.
// param: phase string = null  CT.gov phase to restrict to (any when omitted)
// example: trialgraph query termination_reasons
MATCH (t:Trial)<-[:RECORD_OF]-(record:RegistryRecord)
WITH t, record ORDER BY record.source = 'ctgov' DESC, record.precedence DESC
WITH t, head(collect(record)) AS r
WHERE r.overall_status IN ['TERMINATED', 'WITHDRAWN', 'SUSPENDED']
  AND ($phase IS NULL OR $phase IN coalesce(r.phases, []))
OPTIONAL MATCH (r)-[:SPONSORED_BY {role: 'LEAD'}]->(lead:Organization)
WITH t, r, lead, toLower(coalesce(r.why_stopped, '')) AS why
WITH t, r, lead,
     CASE
       WHEN why = '' THEN 'not given'
       WHEN why CONTAINS 'accru' OR why CONTAINS 'enrol' OR why CONTAINS 'recruit' THEN 'enrollment'
       WHEN why CONTAINS 'fund' OR why CONTAINS 'financ' OR why CONTAINS 'budget' THEN 'funding'
       WHEN why CONTAINS 'safety' OR why CONTAINS 'adverse' OR why CONTAINS 'toxic' THEN 'safety'
       WHEN why CONTAINS 'efficacy' OR why CONTAINS 'futil' OR why CONTAINS 'interim' THEN 'efficacy'
       WHEN why CONTAINS 'business' OR why CONTAINS 'sponsor' OR why CONTAINS 'company' OR why CONTAINS 'strateg'
         THEN 'business'
       WHEN why CONTAINS 'covid' OR why CONTAINS 'pandemic' THEN 'covid'
       ELSE 'other'
     END AS reason
RETURN coalesce(r.phase, 'not given') AS phase, coalesce(lead.agency_class, 'not given') AS sponsor_class,
       reason, count(DISTINCT t) AS trials
ORDER BY trials DESC, phase, sponsor_class, reason
