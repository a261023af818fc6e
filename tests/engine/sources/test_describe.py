"""Schema description for the checker: from the schema only, fast, clear errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from reportdsl.errors import ReportDataError
from reportdsl.plan.models import SourceSpec
from reportdsl.sources import describe, query_parameters
from reportdsl.sources.sql.text import for_sqlalchemy_text, value_type_of_sql_type


def _spec(**kw):
    return SourceSpec(kind=kw.pop("kind", "sql"), span=(0, 0), **kw)


@pytest.fixture
def db(tmp_path):
    (tmp_path / "data").mkdir()
    con = sqlite3.connect(tmp_path / "data" / "s.db")
    con.execute("CREATE TABLE sales (id INTEGER, day DATE, at DATETIME, amount DECIMAL(10,2), "
                "rate REAL, name VARCHAR(20), ok BOOLEAN, blob_col, big BIGINT)")
    con.commit()
    con.close()
    return tmp_path


def test_sqlite_table_and_query(db):
    cols = describe(_spec(location="sqlite:///data/s.db", table="sales"), str(db), {})
    assert [(c.name, c.type) for c in cols] == [
        ("id", "int"), ("day", "date"), ("at", "datetime"), ("amount", "decimal"), ("rate", "float"),
        ("name", "string"), ("ok", "bool"), ("blob_col", "any"), ("big", "int")]
    q = describe(_spec(location="sqlite:///data/s.db",
                       query="SELECT id, amount * 2 AS twice, day FROM sales WHERE day >= :since AND name <> ':x'"),
                 str(db), {"since": "date"})
    assert [(c.name, c.type) for c in q] == [("id", "int"), ("twice", "any"), ("day", "date")]


def test_env_url(db, monkeypatch):
    monkeypatch.setenv("SALES_DB", f"sqlite:///{db / 'data' / 's.db'}")
    assert len(describe(_spec(location="SALES_DB", from_env=True, table="sales"), "/elsewhere", {})) == 9
    monkeypatch.delenv("SALES_DB")
    with pytest.raises(ReportDataError, match="environment variable 'SALES_DB' is not set"):
        describe(_spec(location="SALES_DB", from_env=True, table="sales"), str(db), {})


@pytest.mark.parametrize("spec, message", [
    (dict(location="sqlite:///data/none.db", table="sales"),
     "cannot open source 'sqlite:///data/none.db': no such file"),
    (dict(location="sqlite:///data/s.db", table="nope"), "has no table 'nope' \\(its tables: sales\\)"),
    (dict(location="sqlite:///data/s.db", query="SELEC 1"), "cannot read the query of source"),
    (dict(location="nonsense", table="t"), "is not a database URL"),
    (dict(location="nosuchdb://x/y", table="t"), "cannot open source 'nosuchdb://x/y'"),
    (dict(kind="csv", location="data/none.csv"), "cannot open source 'data/none.csv': no such file"),
])
def test_errors_say_what_and_why(db, spec, message):
    with pytest.raises(ReportDataError, match=message) as err:
        describe(_spec(**spec), str(db), {})
    assert err.value.line is None  # the checker attaches the position


def test_describe_sqlite_does_not_import_sqlalchemy(db):
    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from reportdsl.sources import describe\n"
        "from reportdsl.plan.models import SourceSpec\n"
        "describe(SourceSpec(kind='sql', location='sqlite:///data/s.db', table='sales', span=(0, 0)), "
        f"{str(db)!r}, {{}})\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_query_parameters_skip_literals_comments_and_casts():
    sql = "SELECT ':a', x::int, \"col:b\" FROM t -- :c\n WHERE y = :d /* :e */ AND z = :f"
    assert [name for name, _ in query_parameters(sql)] == ["d", "f"]
    assert for_sqlalchemy_text("SELECT ':a' WHERE x = :b") == "SELECT '\\:a' WHERE x = :b"


@pytest.mark.parametrize("name, want", [
    ("INTEGER", "int"), ("int4", "int"), ("BIGINT", "int"), ("NUMERIC(12,3)", "decimal"), ("DECIMAL", "decimal"),
    ("REAL", "float"), ("DOUBLE PRECISION", "float"), ("float8", "float"), ("VARCHAR(10)", "string"),
    ("text", "string"), ("DATE", "date"), ("DATETIME", "datetime"), ("timestamptz", "datetime"),
    ("BOOLEAN", "bool"), ("", "any"), (None, "any"), ("BLOB", "any"), ("INTERVAL", "any"),
])
def test_sql_type_names(name, want):
    assert value_type_of_sql_type(name) == want
