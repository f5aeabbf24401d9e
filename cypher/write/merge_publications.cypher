// $rows: list<{key, props}>. Publications from PubMed; a stub made by a registry reference or a link is filled.
UNWIND $rows AS row
MERGE (p:Publication {key: row.key})
SET p += row.props
REMOVE p.stub, p.deleted_in_pubmed
