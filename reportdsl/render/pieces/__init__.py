"""Representation 8′: a long document laid out in pieces by worker processes, merged.

``scheduler`` (``PieceScheduler``: which piece is laid out where, and when), ``cutting``
(the body's units, piece texts, where a piece's final pages end), ``page_plan``
(predicted page starts), ``total_probe`` (the page total, early), ``worker_pool`` and
``piece_worker`` (fresh worker processes), ``merge`` and ``early_merge`` (pypdf).

Workers import ``piece_worker`` only: nothing here may import Babel, Jinja2 or
pydantic at module level.
"""
