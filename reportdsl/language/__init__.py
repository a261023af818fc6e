"""The language's vocabulary, declared once: every stage reads it from here.

In: nothing (declarations only). Out: ``FUNCTION_BY_NAME`` (scalar functions),
``AGGREGATE_BY_NAME`` (aggregates), ``FORMAT_BY_NAME`` (``| FORMAT`` names),
``PAPER_BY_NAME`` (paper sizes), the value types (``types``), the one parser of typed
constants (``constants``: parameter defaults, ``--param``, API values, ``date("…")``)
and the generic walk over expression trees (``walk``).

Each declaration says what the checker needs (arity, argument and result types, null
rule), what the engine's code generator emits (the runtime operation in
``reportdsl.engine.functions`` and, where the types allow, an inline Python form) and
how SQL spells it (``sql``: per dialect, or nothing where no SQL form gives the
engine's exact answer). Adding a function, aggregate, format or paper size is one
entry here (CONTRACT.md-level behaviour still needs its tests): see CONTRIBUTING.md.

Importing this package is cheap (no pydantic, Babel or engine): ``reportdsl check``
reads it.
"""

from reportdsl.language.aggregates import AGGREGATE_BY_NAME, AggregateDecl
from reportdsl.language.formats import FORMAT_BY_NAME, FormatDecl
from reportdsl.language.functions import FUNCTION_BY_NAME, FunctionDecl
from reportdsl.language.papers import PAPER_BY_NAME, Paper

__all__ = [
    "AGGREGATE_BY_NAME", "AggregateDecl", "FORMAT_BY_NAME", "FormatDecl", "FUNCTION_BY_NAME",
    "FunctionDecl", "PAPER_BY_NAME", "Paper",
]
