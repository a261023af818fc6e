"""Pushdown: a report's group and report aggregates computed by its SQL database.

In: a ``Plan`` whose bands print no detail rows, its SQL source, parameter values
and a mode (``auto``, ``off``, ``force``). Out: the same event stream the engine
sends when it streams the rows (``replay``), or the reason the report streams. The
second mode (``totals``): a report that needs totals before its rows (``whole`` in
detail, ``order by``/``limit``/``others``) gets the results of the engine's first
passes from the database and streams its rows once.

Modules: ``capabilities`` (what each dialect computes exactly), ``analysis`` (whether
and how a plan is pushed), ``builder`` (the SQL, with sqlglot), ``execute`` (running it
and shaping the rows into a tree of groups), ``replay`` (the events, from generated code
that reuses the engine's band-value writer), ``totals`` (the second mode),
``sqlite_decimals`` (SQLite's DECIMAL sums as scaled integers). Pushdown is an
optimisation, never a change of result: anything not exact streams (CONTRACT.md §8).
"""
