"""The plan stage: checked AST -> ``Plan`` (pydantic models, serialisable, no behaviour).

In: a ``CheckedReport``. Out: ``build_plan(checked)`` -> ``Plan``; ``Plan`` and its
parts are in ``reportdsl.plan.models``.
"""

from reportdsl.plan.build import build_plan
from reportdsl.plan.models import Plan

__all__ = ["Plan", "build_plan"]
