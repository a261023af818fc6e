"""The runtime operations of scalar functions and operators that generated code calls.

In: values (and, for errors, the index of the expression's span). Out: results, or a
``RowValueError`` in the user's words. ``core``: operators, truth, conversions and the
functions of LANGUAGE.md §6; ``dates``, ``text``, ``numbers``: those of §11 by kind.
Each is named by its declaration in ``reportdsl.language.functions``.
"""
