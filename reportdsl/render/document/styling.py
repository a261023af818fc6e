"""Styles and conditions (LANGUAGE.md §14) → Typst arguments.

In: a plan element's ``Styled`` fields (constant flags and colours, or the Values that
decide them) and a way to make a band parameter of a Value. Out: ``TypstCode``
argument lists for the template's drawing functions (``, weight: "bold", colour: v3``)
and conditions (``v2 != ""``); for ``detail``, functions of a detail event's extra
values that give a row's or a cell's style.

A condition or a computed colour reaches Typst as a band parameter like any value, a
string literal: a condition is ``"1"`` where true and ``""`` where false or null
(``condition_text``); a colour is ``"#RRGGBB"`` or ``""``, checked here
(``colour_text``), so a value never becomes code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from reportdsl.errors import ReportDataError
from reportdsl.plan.models import Styled
from reportdsl.render.document.typst_text import TypstCode, typst_string

COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")

# Makes a band parameter of a Value (id) shown through a text function; gives its name.
Param = Callable[[str, Callable[[Any], str]], TypstCode]


def condition_text(value: Any) -> str:
    """A `when` value as its parameter's text: only true shows (null and false hide)."""
    return "1" if value is True else ""


def colour_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and COLOUR.fullmatch(value):
        return value
    shown = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
    raise ReportDataError(f"a colour must be a text \"#RRGGBB\" (or null), but a color or background gave {shown}")


def style_arguments(styled: Styled, param: Param) -> TypstCode:
    """``, weight: …, italic: …, strike: …, colour: …, background: …`` for the styles
    given (none: the template's defaults)."""
    out = []
    if styled.bold:
        out.append('weight: "bold"')
    elif styled.bold_when is not None:
        out.append(f'weight: if {param(styled.bold_when, condition_text)} != "" {{ "bold" }} else {{ "regular" }}')
    for flag in ("italic", "strike"):
        when = getattr(styled, f"{flag}_when")
        if getattr(styled, flag):
            out.append(f"{flag}: true")
        elif when is not None:
            out.append(f'{flag}: {param(when, condition_text)} != ""')
    for colour in ("color", "background"):
        constant, value = getattr(styled, colour), getattr(styled, f"{colour}_value")
        name = "colour" if colour == "color" else "background"
        if constant is not None:
            out.append(f"{name}: {typst_string(constant)}")
        elif value is not None:
            out.append(f"{name}: {param(value, colour_text)}")
    return TypstCode("".join(", " + a for a in out))


def has_styles(styled: Styled) -> bool:
    return any(getattr(styled, name) for name in Styled.model_fields if name != "when")


def condition(value_id: str | None, param: Param) -> TypstCode | None:
    if value_id is None:
        return None
    return TypstCode(f'{param(value_id, condition_text)} != ""')


# ---- detail rows: styles from each row's own values -------------------------------


def detail_style_function(styled: Styled, extras: Sequence[str], offset: int) -> Callable[[tuple], str] | None:
    """row → ``weight: "bold", background: "#ffeeee"`` (the styles that apply to this
    row, as Typst arguments), or None when ``styled`` has no style at all. ``extras``:
    the Value ids a detail event carries after its ``offset`` column values."""
    fixed: list[str] = []  # styles of every row
    when: list[tuple[int, str]] = []  # (position in the row, the style where it is true)
    colours: list[tuple[int, str]] = []  # (position in the row, "colour" | "background")
    if styled.bold:
        fixed.append('weight: "bold"')
    elif styled.bold_when is not None:
        when.append((offset + extras.index(styled.bold_when), 'weight: "bold"'))
    for flag in ("italic", "strike"):
        flag_when = getattr(styled, f"{flag}_when")
        if getattr(styled, flag):
            fixed.append(f"{flag}: true")
        elif flag_when is not None:
            when.append((offset + extras.index(flag_when), f"{flag}: true"))
    for colour, name in (("color", "colour"), ("background", "background")):
        constant, value = getattr(styled, colour), getattr(styled, f"{colour}_value")
        if constant is not None:
            fixed.append(f"{name}: {typst_string(constant)}")
        elif value is not None:
            colours.append((offset + extras.index(value), name))
    if not (fixed or when or colours):
        return None

    def arguments(row: tuple) -> str:
        out = list(fixed)
        out += [text for i, text in when if row[i] is True]
        out += [_colour_argument(name, row[i]) for i, name in colours if row[i] is not None]
        return ", ".join(out)

    return arguments


def _colour_argument(name: str, value: Any) -> str:
    return f'{name}: "{colour_text(value)}"'
