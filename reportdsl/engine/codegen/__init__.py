"""Representation 5: a plan's row code and control-break loop, generated as Python source.

In: a ``Plan``. Out: the source of one module (``rows``: a source row → the values the
loop needs; ``loop``: the control-break loop specialised to the plan), compiled once
per build. ``expressions`` turns plan expressions into Python expressions; ``scaled``
aggregates DECIMAL(p, s) columns as integers of 10^-s.
"""
