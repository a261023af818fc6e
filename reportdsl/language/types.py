"""The value types of the language and how they combine.

In: type names as the checker and the plan write them: ``string int decimal float
date datetime bool``, plus ``null`` (the type of ``null``) and ``any`` (a column whose
type is known only when rows arrive). Out: the groups of types operators and
functions accept, how numbers combine, and each type in the user's words.
"""

from __future__ import annotations

TYPES = ("string", "int", "decimal", "float", "date", "datetime", "bool")
NUMERIC = ("int", "decimal", "float")
DATES = ("date", "datetime")
ORDERED = (*NUMERIC, "string", "date", "datetime", "bool")
LOOSE = ("null", "any")  # accepted wherever a type is expected: checked per row

_A = {"int": "an integer", "decimal": "a decimal", "float": "a float", "string": "a string",
      "date": "a date", "datetime": "a datetime", "bool": "a true/false value", "null": "null",
      "any": "a value"}


def article(t: str) -> str:
    """``"int"`` → ``"an integer"``: a type in an error message."""
    return _A.get(t, t)


def family(t: str) -> str:
    """What a type compares with: numbers with numbers, dates with datetimes."""
    return "number" if t in NUMERIC else "date" if t in DATES else t


def numeric_result(a: str, b: str) -> str:
    """The type of ``a + b`` (and ``- * %``) for two number types."""
    if "any" in (a, b):
        return "any"
    if "null" in (a, b):
        return "null"
    if "float" in (a, b):
        return "float"
    return "decimal" if "decimal" in (a, b) else "int"


def unify(types: list[str]) -> str:
    """The type of a value that is one of ``types`` (``if``'s branches, ``coalesce``)."""
    known = [t for t in types if t not in LOOSE]
    if not known:
        return "any" if "any" in types else "null"
    if all(t in NUMERIC for t in known):
        result = known[0]
        for t in known[1:]:
            result = numeric_result(result, t)
        return result
    return known[0] if all(t == known[0] for t in known) else "any"
