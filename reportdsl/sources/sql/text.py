"""Reading SQL text: the ``:name`` parameters of a query, and SQL type names.

In: a query as written in a report, or a database type name (``DECIMAL(10,2)``,
``int4``, ``VARCHAR``). Out: the parameter occurrences (outside string literals,
quoted identifiers and comments; ``::`` casts are not parameters), a query rewritten
for SQLAlchemy's ``text()`` or with every parameter replaced, whether the query has
an order of its own (``has_own_order``), and the report ``ValueType`` a type name
maps to.
"""

from __future__ import annotations

import re

# One token of interest at a time: literals/identifiers/comments are skipped whole,
# so a ':x' inside '...' is never taken for a parameter.
_TOKEN = re.compile(
    r"""
      (?P<skip> '(?:[^']|'')*'            # 'string' with '' escapes
              | "(?:[^"]|"")*"            # "quoted identifier"
              | `[^`]*`                   # `mysql identifier`
              | --[^\n]*                  # line comment
              | /\*.*?\*/                 # block comment
              | ::                        # PostgreSQL cast, never a parameter
      )
    | (?P<param> (?<![\w\\:]) :(?P<name>[A-Za-z_]\w*) )
    | (?P<colon> : )
    """,
    re.VERBOSE | re.DOTALL,
)


def query_parameters(sql: str) -> list[tuple[str, tuple[int, int]]]:
    """Every ``:name`` parameter in ``sql`` with its (start, end) offsets, in order."""
    return [
        (m.group("name"), m.span("param"))
        for m in _TOKEN.finditer(sql)
        if m.group("param")
    ]


def replace_parameters(sql: str, replacement) -> str:
    """``sql`` with each parameter replaced by ``replacement(name)``."""

    def sub(m: re.Match) -> str:
        if m.group("param"):
            return replacement(m.group("name"))
        return m.group(0)

    return _TOKEN.sub(sub, sql)


def for_sqlalchemy_text(sql: str) -> str:
    """``sql`` made safe for ``sqlalchemy.text()``: parameters stay ``:name``; any
    other colon that ``text()`` would take for a parameter (e.g. inside a string
    literal) is escaped, so what counts as a parameter is decided here alone."""

    def sub(m: re.Match) -> str:
        if m.group("param"):
            return m.group(0)
        if m.group("skip"):
            return re.sub(r"(?<![\w\\:]):(?=\w)", r"\\:", m.group(0)) if m.group(0) != "::" else "::"
        return m.group(0)

    return _TOKEN.sub(sub, sql)


def strip_statement_end(sql: str) -> str:
    """The query without trailing white space and ``;``: it is wrapped as a subquery."""
    return sql.strip().rstrip(";").rstrip()


# A query that never says ORDER (as a word) has no ORDER BY: sqlglot, slow to import
# (~0.1 s), is not needed to say so.
_ORDER_WORD = re.compile(r"\border\b", re.IGNORECASE)
# sqlglot's name of each SQLAlchemy dialect it reads (others: its generic SQL)
_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite",
                     "duckdb": "duckdb", "spark": "spark"}


def has_own_order(query: str, dialect: str) -> bool:
    """Whether the query orders its own result: an ``ORDER BY`` of the statement itself
    (also after a set operation, or around a parenthesized query), not one inside a
    subquery, a ``WITH`` query, a window or an aggregate call. The text is read with
    sqlglot in the database's dialect (its strings, quoted names and comments); a query
    sqlglot cannot read is taken to have an order, so its rows are read as it delivers
    them — which is right for any query."""
    if not _ORDER_WORD.search(query):
        return False
    try:
        import sqlglot
        from sqlglot import exp

        statements = [s for s in sqlglot.parse(replace_parameters(query, lambda name: "NULL"),
                                               read=_SQLGLOT_DIALECTS.get(dialect)) if s is not None]
    except Exception:  # noqa: BLE001 - any failure to read it: assume the order matters
        return True
    if len(statements) != 1:
        return True
    node = statements[0]
    while isinstance(node, (exp.Subquery, exp.Paren)):
        if node.args.get("order") is not None:
            return True
        node = node.this
    return not isinstance(node, exp.Query) or node.args.get("order") is not None


def value_type_of_sql_type(name: str | None) -> str:
    """The report type of a database column type name (SQLite affinity rules first).

    Integer types -> int, NUMERIC/DECIMAL -> decimal, REAL/FLOAT/DOUBLE -> float,
    character types -> string, DATE -> date, DATETIME/TIMESTAMP -> datetime,
    BOOL -> bool, anything else (or no declared type) -> any.
    """
    if not name:
        return "any"
    t = name.upper()
    if "INTERVAL" in t or "POINT" in t:
        return "any"
    if "BOOL" in t or t == "BIT":
        return "bool"
    if "INT" in t or t in ("LONG", "SHORT", "TINY", "LONGLONG", "INT24", "YEAR", "HUGEINT"):
        return "int"
    if "TIMESTAMP" in t or "DATETIME" in t:
        return "datetime"
    if t.startswith("DATE") or t == "NEWDATE":
        return "date"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t or "STRING" in t or t in ("UUID", "NAME", "ENUM", "CITEXT"):
        return "string"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "float"
    if "NUMERIC" in t or "DECIMAL" in t or "MONEY" in t or t.startswith("NUMBER"):
        return "decimal"
    return "any"
