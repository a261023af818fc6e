"""The syntax stage: ``.report`` text -> parse tree -> AST (``parse``)."""

from .parser import parse

__all__ = ["parse"]
