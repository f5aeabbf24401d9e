// TrialGraph schema v1: constraints and indexes. Every statement is idempotent (IF NOT EXISTS).
// Keys: Trial.trial_id (NCT id for trials first seen on CT.gov), RegistryRecord.record_id ("ctgov:NCT…"),
// RecordFact.key (record id + fact kind + position), shared nodes by normalised key.
CREATE CONSTRAINT trial_id IF NOT EXISTS FOR (t:Trial) REQUIRE t.trial_id IS UNIQUE;
CREATE CONSTRAINT registry_record_id IF NOT EXISTS FOR (r:RegistryRecord) REQUIRE r.record_id IS UNIQUE;
CREATE CONSTRAINT record_fact_key IF NOT EXISTS FOR (f:RecordFact) REQUIRE f.key IS UNIQUE;
CREATE CONSTRAINT organization_key IF NOT EXISTS FOR (o:Organization) REQUIRE o.key IS UNIQUE;
CREATE CONSTRAINT condition_key IF NOT EXISTS FOR (c:Condition) REQUIRE c.key IS UNIQUE;
CREATE CONSTRAINT keyword_key IF NOT EXISTS FOR (k:Keyword) REQUIRE k.key IS UNIQUE;
CREATE CONSTRAINT country_name IF NOT EXISTS FOR (c:Country) REQUIRE c.name IS UNIQUE;
CREATE CONSTRAINT publication_key IF NOT EXISTS FOR (p:Publication) REQUIRE p.key IS UNIQUE;
CREATE CONSTRAINT mesh_term_name IF NOT EXISTS FOR (m:MeshTerm) REQUIRE m.name IS UNIQUE;
CREATE CONSTRAINT load_run_id IF NOT EXISTS FOR (l:LoadRun) REQUIRE l.run_id IS UNIQUE;
CREATE INDEX record_fact_record IF NOT EXISTS FOR (f:RecordFact) ON (f.record_id);
CREATE INDEX record_nct IF NOT EXISTS FOR (r:RegistryRecord) ON (r.nct_id);
CREATE INDEX record_trial_key IF NOT EXISTS FOR (r:RegistryRecord) ON (r.trial_key);
CREATE INDEX trial_status IF NOT EXISTS FOR (t:Trial) ON (t.overall_status);
CREATE INDEX trial_phase IF NOT EXISTS FOR (t:Trial) ON (t.phase);
CREATE INDEX mesh_term_id IF NOT EXISTS FOR (m:MeshTerm) ON (m.mesh_id);
CREATE INDEX publication_pmid IF NOT EXISTS FOR (p:Publication) ON (p.pmid);
CREATE FULLTEXT INDEX trial_text IF NOT EXISTS FOR (r:RegistryRecord) ON EACH [r.brief_title, r.official_title, r.brief_summary];
// Paper → trial retrieval (kg/retrieval/publications.py): BM25 over PubMed titles and abstracts.
CREATE FULLTEXT INDEX publication_text IF NOT EXISTS FOR (p:Publication) ON EACH [p.title, p.abstract];
// Vocabularies (MeSH, HPO, DOID, MONDO, ATC...): one Concept per CURIE; stubs (made by an edge to a concept
// not loaded yet) carry stub = true until their own record arrives.
CREATE CONSTRAINT concept_curie IF NOT EXISTS FOR (c:Concept) REQUIRE c.curie IS UNIQUE;
CREATE INDEX concept_vocabulary IF NOT EXISTS FOR (c:Concept) ON (c.vocabulary);
CREATE INDEX concept_name IF NOT EXISTS FOR (c:Concept) ON (c.name);
CREATE INDEX maps_to_mapping_set IF NOT EXISTS FOR ()-[m:MAPS_TO]-() ON (m.mapping_set);
CREATE FULLTEXT INDEX concept_text IF NOT EXISTS FOR (c:Concept) ON EACH [c.name, c.synonyms];
// Trial identifiers as publications and other registries cite them, before identity resolution ties them to trials.
CREATE CONSTRAINT trial_id_value IF NOT EXISTS FOR (i:TrialId) REQUIRE i.id IS UNIQUE;
// Identity resolution after a load weighs only what the load wrote (identity_pending set: a token
// per write, see write/read_identity_pending.cypher) and its groups.
CREATE INDEX record_identity_pending IF NOT EXISTS FOR (r:RegistryRecord) ON (r.identity_pending);
CREATE INDEX trial_id_identity_pending IF NOT EXISTS FOR (i:TrialId) ON (i.identity_pending);
CREATE INDEX same_trial_identity_pending IF NOT EXISTS FOR ()-[s:SAME_TRIAL_AS]-() ON (s.identity_pending);
// Embeddings (trialgraph embed): one node per (record, index) beside the record; vector indexes are made per
// encoder and rendering by trialgraph.kg.embeddings.
CREATE CONSTRAINT embedding_key IF NOT EXISTS FOR (e:Embedding) REQUIRE e.key IS UNIQUE;
CREATE CONSTRAINT embedding_index_name IF NOT EXISTS FOR (x:EmbeddingIndex) REQUIRE x.name IS UNIQUE;
CREATE INDEX embedding_index IF NOT EXISTS FOR (e:Embedding) ON (e.index);
CREATE CONSTRAINT synthetic_trial_key IF NOT EXISTS FOR (s:SyntheticTrial) REQUIRE s.key IS UNIQUE;
