"""OBO and OWL ontologies (HPO, DOID, MONDO) → concept and mapping records (``trialgraph load obo|owl``)."""
