"""Representation 8′: a long document laid out in pieces by worker processes, merged.

``scheduler`` (``PieceScheduler``: one loop over the chain of cuts) and one small
policy per concern: ``cutting`` (the body's units, piece texts, where a piece's final
pages end, how a piece without a cut grows), ``speculation`` (when to lay out the
predicted next piece) with ``page_plan`` (predicted page starts), ``page_total`` (the
page total a piece prints, and which pieces are laid out again) with ``total_probe``
(the document's end laid out early); ``piece`` (a piece's explicit states);
``worker_pool`` and ``piece_worker`` (fresh worker processes); ``merge`` and
``early_merge`` (pypdf).

Workers import ``piece_worker`` only: nothing here may import Babel, Jinja2 or
pydantic at module level.
"""
