"""SQL sources: SQLite files through the stdlib ``sqlite3`` (``sqlite``), any other
SQLAlchemy URL (``stream``, ``schema``), the SQL text of a source (``text``: its
``:name`` parameters, type names) and what the database does for the report
(``where``, ``order``: the report's ``where`` and sort pushed into the query).
"""
