"""``python -m reportdsl``: the command line."""

from reportdsl.cli import run

run()
