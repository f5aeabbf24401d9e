"""Identity resolution, pure: which registry records are one trial (``resolve``), how much each statement that
says so is worth (``weigh``, evidence-v1), and how well the grouping agrees with stated cross-registrations
(``evaluate``). The graph side, reading and writing only what changed, is ``trialgraph.kg.identity``.

Why here and not in a source's folder: the grouping is inferred across every registry (a model's output, like
a link or an embedding), so it depends on the domain core only, and every source feeds it through its
``IdClaim``s.
"""
