"""Vocabulary concepts (MeSH, OBO/OWL ontologies, ATC) and cross-vocabulary mappings, as typed records."""
