"""``python -m reportdsl``: the command line."""

from .cli import run

run()
