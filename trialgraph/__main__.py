"""``python -m trialgraph`` runs the CLI through the same entry as the ``trialgraph`` console script."""

from trialgraph.entry import run

run()
