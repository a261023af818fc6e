"""Paper sizes (``page SIZE``), each declared once.

In: nothing. Out: ``PAPER_BY_NAME``: the name a report writes → ``Paper``: the name the
plan carries (Typst's, where Typst has the size) and the Typst ``page(...)`` arguments;
``PAPER_BY_PLAN_NAME`` for the renderer, which reads plans.
"""

from typing import NamedTuple


class Paper(NamedTuple):
    name: str  # as a report writes it
    plan_name: str  # as the plan carries it
    typst_paper: str | None  # Typst's paper name, or None: given by its dimensions
    width_mm: int | None = None
    height_mm: int | None = None


_ISO_B_TYPST_LACKS = {0: (1000, 1414), 9: (44, 62), 10: (31, 44)}
PAPERS = (
    *(Paper(f"a{n}", f"a{n}", f"a{n}") for n in range(11)),
    *(Paper(f"b{n}", f"iso-b{n}", None, *_ISO_B_TYPST_LACKS[n]) if n in _ISO_B_TYPST_LACKS
      else Paper(f"b{n}", f"iso-b{n}", f"iso-b{n}") for n in range(11)),
    *(Paper(name, f"us-{name}", f"us-{name}") for name in ("letter", "legal", "tabloid", "executive")),
)

PAPER_BY_NAME: dict[str, Paper] = {p.name: p for p in PAPERS}
PAPER_BY_PLAN_NAME: dict[str, Paper] = {p.plan_name: p for p in PAPERS}
