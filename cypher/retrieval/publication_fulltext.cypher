// $query: string (a Lucene query of plain terms), $limit: integer. Followed by retrieval/publication_links.
// Paper → trial: BM25 over PubMed titles and abstracts (the publication_text index), binding p and score.
CALL db.index.fulltext.queryNodes('publication_text', $query, {limit: $limit}) YIELD node AS p, score
