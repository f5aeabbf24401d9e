"""MeSH (NLM Medical Subject Headings): descriptors, supplementary concept records and qualifiers.

Pure parsers, files → :class:`~trialgraph.model.concept.ConceptRecord`: ``rdf`` reads N-Triples
(every MeSH RDF vocabulary since 2014), ``xml`` reads NLM's XML record sets, ``loader`` registers the
``mesh`` vocabulary source that picks between them.
"""
