"""Clinical-research tasks built from the graph (TrialPanorama's eight, as far as the graph can give them).

``facts`` holds what a builder knows about one trial; ``splits`` puts whole trials (and their twins) on one side
of a date cut; ``builders`` turns facts into task items in TrialPanorama's record formats; ``dataset`` writes
them as Hugging Face datasets; ``prompting`` and ``scoring`` render prompts and grade answers for the harness.
Everything here is pure: the graph is read in ``trialgraph.kg.tasks``.
"""
