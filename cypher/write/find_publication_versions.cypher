// $keys: list<string>. The stored PubMed version and content hash of each publication loaded from PubMed already.
UNWIND $keys AS key
MATCH (p:Publication {key: key})
WHERE p.pubmed_precedence IS NOT NULL
RETURN p.key AS key, p.pubmed_precedence AS precedence, p.pubmed_content_hash AS content_hash
