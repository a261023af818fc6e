"""Page totals and brought/carried-forward values (LANGUAGE.md §13), computed once a
document is laid out: ``values`` (the rows' page inputs, the formulas, each page's
texts) and ``row_store`` (those inputs kept in order with bounded memory)."""
