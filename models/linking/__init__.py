"""Entity linking: free text in the graph (conditions first) tied to the graph's own concepts.

Every linker writes ``IS_CONCEPT`` edges keyed by ``{source, method_version}``, so links from NLM's
indexing, from this package's linkers and from later ones (scispaCy) stand side by side and a query
chooses which sources it trusts. A linker never changes what a registry stated.
"""
