"""``python -m trialgraph`` runs the CLI."""

from trialgraph.cli import app

app(prog_name="trialgraph")
