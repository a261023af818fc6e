"""Typst's diagnostics as plain text, the same in the main process and in workers.

In: the warnings or the exception the ``typst`` package gives. Out: one line per
distinct warning (hints in parentheses); an error's message, hints and Typst's own
rendering of the place. Plain strings cross process boundaries unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def warning_texts(warnings: list) -> list[str]:
    """Typst's warnings as one line each (plus hints), duplicates dropped."""
    seen: dict[str, None] = {}
    for warning in warnings:
        message = (getattr(warning, "message", None) or str(warning)).strip()
        hints = [h.strip() for h in (getattr(warning, "hints", None) or []) if h.strip()]
        if hints:
            message += " (" + "; ".join(hints) + ")"
        seen.setdefault(message, None)
    return list(seen)


@dataclass(frozen=True)
class TypstFailure:
    """A failed compile: Typst's message, its hints and its rendering of the place."""

    message: str
    hints: list[str] = field(default_factory=list)
    detail: str = ""

    @classmethod
    def from_exception(cls, exc: Exception) -> TypstFailure:
        return cls(
            (getattr(exc, "message", None) or str(exc)).strip(),
            [str(h) for h in (getattr(exc, "hints", None) or [])],
            str(getattr(exc, "diagnostic", None) or ""),
        )

    def text(self, blame: str) -> str:
        text = f"Typst could not lay out the report ({blame}): {self.message}"
        if self.detail.strip():
            # Typst's own rendering: the message again, the place in the .typ, the hints.
            return text + "\n" + self.detail.strip()
        return text + "".join(f"\nhint: {h}" for h in self.hints)
