"""Data sources: where rows come from and what their columns are.

In: a plan's ``SourceSpec`` (or a build-time override: URL, path, SQLAlchemy
Engine/Connection, iterable of dicts, DataFrame). Out: ``describe`` (the columns and
types, from the schema alone; used by ``reportdsl check``) and, in ``open_source``
(imported lazily; it imports SQLAlchemy only for SQL URLs other than plain SQLite
files), an opened row source: what every one provides is ``interface.RowSource``.

This module stays cheap to import: ``reportdsl check`` must run in ~150 ms.
"""

from reportdsl.sources.schema import Column, describe, describe_columns
from reportdsl.sources.sql.text import query_parameters

__all__ = ["Column", "describe", "describe_columns", "query_parameters"]
