"""Trial outcome prediction (HINT / TOP benchmark) on real, synthetic and hybrid training data.

``examples`` holds the one record every reader produces and the text a classifier sees; ``hint`` reads the HINT
CSVs and ``synthetic`` the JSONL of ``trialgraph synth trials``; ``embedding`` turns texts into cached vectors with a
frozen encoder; ``classifier`` fits, saves and loads a logistic regression on them; ``metrics`` scores
probabilities with bootstrap intervals; ``experiment`` runs the real / synthetic / hybrid comparison per phase.
torch and sentence-transformers are imported only when a text has to be embedded.
"""
