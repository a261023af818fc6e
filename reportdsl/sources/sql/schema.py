"""Column names and types of a SQL source through SQLAlchemy (any URL but plain SQLite).

In: a resolved ``Location``, a table name or a query, the declared parameter types.
Out: ``list[Column]``. Tables are reflected; a query is run wrapped as
``SELECT * FROM (query) AS q WHERE 1=0`` with typed placeholder values bound to
its parameters, so the database describes the result without producing a row.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal

from reportdsl.errors import ReportDataError, SourceFailure, fail
from reportdsl.sources.locations import Location
from reportdsl.sources.schema import Column
from reportdsl.sources.sql.text import (
    for_sqlalchemy_text,
    query_parameters,
    strip_statement_end,
    value_type_of_sql_type,
)

# A value of each declared parameter type, so the database can type the placeholder.
PLACEHOLDER_VALUES = {
    "string": "",
    "int": 0,
    "decimal": Decimal(0),
    "float": 0.0,
    "date": _dt.date(2000, 1, 1),
    "datetime": _dt.datetime(2000, 1, 1),
    "bool": False,
}


def make_engine(loc: Location):
    """A SQLAlchemy engine for ``loc``, or a user-terms error (unknown driver, bad URL)."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return sa.create_engine(loc.target, future=True)
    except NoSuchModuleError as exc:
        raise fail(SourceFailure, f"cannot open source '{loc.shown}': no database driver for it ({exc})") from None
    except ModuleNotFoundError as exc:
        raise fail(
            SourceFailure,
            f"cannot open source '{loc.shown}': its database driver is not installed "
            f"(missing Python module '{exc.name}')",
        ) from None
    except ArgumentError as exc:
        raise fail(SourceFailure, f"cannot open source '{loc.shown}': {exc}") from None


def describe_sqlalchemy(loc: Location, table: str | None, query: str | None,
                        param_types: Mapping[str, str]) -> list[Column]:
    from sqlalchemy.exc import SQLAlchemyError

    engine = make_engine(loc)
    try:
        with engine.connect() as conn:
            if table and conn.dialect.name == "duckdb":
                # duckdb-engine's reflection queries PostgreSQL catalogs DuckDB lacks
                quote = conn.dialect.identifier_preparer.quote
                return _describe_query(conn, "SELECT * FROM " + ".".join(quote(p) for p in table.split(".")), {})
            if table:
                return _describe_table(conn, loc, table)
            if query:
                return _describe_query(conn, query, param_types)
            raise fail(ReportDataError, f"source '{loc.shown}' names neither a table nor a query")
    except ReportDataError:
        raise
    except SQLAlchemyError as exc:
        raise fail(SourceFailure, f"cannot read source '{loc.shown}': {short_db_error(exc)}") from None
    finally:
        engine.dispose()


def _describe_table(conn, loc: Location, table: str) -> list[Column]:
    import sqlalchemy as sa

    schema, _, name = table.rpartition(".")
    inspector = sa.inspect(conn)
    if not inspector.has_table(name, schema=schema or None):
        views = inspector.get_view_names(schema=schema or None)
        if name not in views:
            tables = inspector.get_table_names(schema=schema or None)
            raise fail(
                ReportDataError,
                f"source '{loc.shown}' has no table '{table}'"
                + (f" (its tables: {', '.join(sorted(tables))})" if tables else ""),
            )
    return [
        Column(col["name"], value_type_of_sqlalchemy_type(col["type"]))
        for col in inspector.get_columns(name, schema=schema or None)
    ]


def value_type_of_sqlalchemy_type(t) -> str:
    import sqlalchemy as sa

    if isinstance(t, sa.Boolean) or is_mysql_boolean(t):
        return "bool"
    if type(t).__name__ == "BIT":  # MySQL's: BIT(1) a flag, BIT(n) a number (read as such)
        return "bool" if (getattr(t, "length", None) or 1) == 1 else "int"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Float):
        return "float"
    if isinstance(t, sa.Numeric):
        return "decimal" if t.asdecimal else "float"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.String):
        return "string"
    return value_type_of_sql_type(str(t) if not isinstance(t, sa.types.NullType) else "")


def is_mysql_boolean(t) -> bool:
    """Whether a reflected type is MySQL/MariaDB's ``BOOLEAN``: ``TINYINT(1)``, which is
    what that declaration makes (§15: such a column reads as bool)."""
    return type(t).__name__ == "TINYINT" and getattr(t, "display_width", None) == 1


def _describe_query(conn, query: str, param_types: Mapping[str, str]) -> list[Column]:
    import sqlalchemy as sa

    sql = f"SELECT * FROM ({strip_statement_end(query)}) AS _reportdsl_q WHERE 1=0"
    params = {
        name: PLACEHOLDER_VALUES.get(param_types.get(name, "string"))
        for name, _ in query_parameters(query)
    }
    result = conn.execute(sa.text(for_sqlalchemy_text(sql)), params)
    try:
        description = result.cursor.description or ()
        names = [_mysql_type_name(d) if conn.dialect.name in ("mysql", "mariadb")
                 else type_name_of_type_code(conn.dialect, d[1]) for d in description]
        return [Column(d[0], value_type_of_sql_type(n)) for d, n in zip(description, names, strict=True)]
    finally:
        result.close()


def type_name_of_type_code(dialect, code) -> str | None:
    """A database type name for a DBAPI ``cursor.description`` type code."""
    if isinstance(code, str):
        return code  # duckdb and others give names
    if dialect.name == "postgresql" and isinstance(code, int):
        try:
            from psycopg.postgres import types as pg_types  # psycopg 3

            info = pg_types.get(code)
            return info.name if info else None
        except ImportError:
            return None
    if dialect.name in ("mysql", "mariadb") and isinstance(code, int):
        return MYSQL_TYPE_CODES.get(code)
    if isinstance(code, type):
        return code.__name__
    if code is not None and not isinstance(code, int):
        return str(code)  # DuckDB: type objects that print as their SQL name
    return None


MYSQL_TINY = 1  # FIELD_TYPE.TINY
MYSQL_BIT = 16  # FIELD_TYPE.BIT: the driver gives bytes (``SqlRows`` reads them as integers)


def _mysql_type_name(d) -> str | None:
    """The type of a MySQL/MariaDB ``cursor.description`` entry: ``TINYINT(1)`` (what
    ``BOOLEAN`` declares: type TINY, display length 1) and ``BIT(1)`` are bool, a
    wider ``BIT(n)`` an integer."""
    code, length = d[1], d[3] if len(d) > 3 else None
    if code in (MYSQL_TINY, MYSQL_BIT) and length == 1:
        return "BOOLEAN"
    if code == MYSQL_BIT:
        return "BIGINT"
    return MYSQL_TYPE_CODES.get(code) if isinstance(code, int) else None


# pymysql's FIELD_TYPE codes (its constants alias some codes, so no reverse lookup).
# MySQL reports TEXT columns as BLOB codes; pymysql decodes them to str.
MYSQL_TYPE_CODES = {
    0: "DECIMAL", 1: "TINYINT", 2: "SMALLINT", 3: "INT", 4: "FLOAT", 5: "DOUBLE",
    7: "TIMESTAMP", 8: "BIGINT", 9: "MEDIUMINT", 10: "DATE", 12: "DATETIME", 13: "YEAR",
    14: "DATE", 15: "VARCHAR", 16: "BIT", 246: "DECIMAL", 247: "ENUM",
    249: "TEXT", 250: "TEXT", 251: "TEXT", 252: "TEXT", 253: "VARCHAR", 254: "CHAR",
}


def short_db_error(exc: BaseException) -> str:
    """The database's own message, without SQLAlchemy's statement dump and links."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    for cut in ("\n[SQL:", "\n(Background on this error"):
        text = text.split(cut, 1)[0]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[0].strip() if lines else type(orig).__name__
