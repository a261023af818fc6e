"""What the code generator hands the engine: the generated module and how to read it.

In: nothing (definitions only); ``loop.RunnerWriter`` fills them. Out:
``GeneratedRunner`` (the Python source of a plan's runner, its constants, the line map
that turns a failure into a report position, the compiled code) and ``RecordLayout``
(where a sorted-mode record keeps what ``engine/passes.py`` rewrites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType

from reportdsl.engine.codegen.rows import LineContext


@dataclass(frozen=True)
class RecordLayout:
    """Where a sorted-mode record keeps what ``passes`` rewrites (§12): per group level,
    the record item holding its rank (ordered or limited levels only) and the payload
    item holding its key."""

    rank_slots: dict[int, int]
    key_items: tuple[int, ...]
    key_types: tuple[str, ...]  # per level: the type its key parts were written for


@dataclass
class GeneratedRunner:
    source: str
    filename: str
    constants: dict[str, object]
    where: dict[int, LineContext]  # line -> what it computes
    spans: list[tuple[int, int]]
    code: CodeType
    record: RecordLayout | None = None  # sorted mode only
    # depth -> how many aggregates detail reads whole there (``modes.ModeCode.whole_at``)
    whole_widths: dict[int, int] = field(default_factory=dict)
