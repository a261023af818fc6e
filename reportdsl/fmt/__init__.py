"""``reportdsl fmt``: a report's text in the one canonical layout.

In: a report's text. Out: ``format_report(text)``, the same report laid out
canonically (``printer``), with every comment in its place (``layout``), strings,
queries and numbers exactly as written. Before a text is returned it is parsed again
and checked (``verify``): the same AST but for the offsets, the same comments in the
same order; anything else is a ``FormatRefusal``, never a changed report.
"""

from __future__ import annotations

from reportdsl.fmt.expressions import FormatRefusal
from reportdsl.fmt.verify import format_report

__all__ = ["FormatRefusal", "format_report"]
