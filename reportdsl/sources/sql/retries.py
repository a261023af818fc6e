"""Another attempt where a database error is transient, for every SQL source.

In: an action (connect, run the query) and the source's name as the report shows it.
Out: the action's result, or after a bounded number of attempts with backoff (0.25 s,
0.5 s, 1 s) a ``ReportDataError`` naming the source in the user's words. Also the
classification the streams use for errors mid-read (``explain_db_error``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

from reportdsl.errors import ReportDataError, SourceFailure, fail
from reportdsl.sources.sql.schema import short_db_error

T = TypeVar("T")
RETRY_ATTEMPTS = 4
RETRY_FIRST_DELAY = 0.25  # seconds; doubles after each failed attempt

# Errors worth another attempt: lost or refused connections, lock and
# serialization conflicts, a server still starting.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40001", "40P01", "57P01", "57P02", "57P03", "53300")
_TRANSIENT_MYSQL_ERRNOS = {1040, 1205, 1213, 2002, 2003, 2006, 2013, 2055}
_TRANSIENT_WORDS = ("database is locked", "could not connect", "connection refused", "server closed",
                    "gone away", "lost connection", "timeout", "timed out", "too many connections",
                    "deadlock", "could not serialize", "starting up", "terminating connection")


def is_transient(exc: BaseException, connecting: bool) -> bool:
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES):
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _TRANSIENT_MYSQL_ERRNOS:
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(orig).lower()
    if any(w in text for w in _TRANSIENT_WORDS):
        return True
    # a refused or failed connection attempt is an OperationalError in every driver
    return connecting and type(orig).__name__ in ("OperationalError", "InterfaceError")


_sleep = time.sleep  # tests replace it


def pause(seconds: float) -> None:
    _sleep(seconds)


def with_retries(action: Callable[[], T], shown: str, connecting: bool) -> T:
    """Run ``action()``; on transient errors wait 0.25 s, 0.5 s, 1 s… and try again."""
    delay = RETRY_FIRST_DELAY
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            return action()
        except ReportDataError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified just below
            if not (is_db_error(exc) and is_transient(exc, connecting)) or attempt == RETRY_ATTEMPTS:
                what = "cannot connect to" if connecting else "cannot run the query of"
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                if not is_db_error(exc):
                    raise
                raise fail(SourceFailure, f"{what} source '{shown}'{tries}: {short_db_error(exc)}") from None
            _sleep(delay)
            delay *= 2
    raise AssertionError("unreachable: the last attempt returns or raises")


def explain_db_error(exc: BaseException) -> str | None:
    """What a database error mid-stream says; ``None`` for any other exception."""
    return short_db_error(exc) if is_db_error(exc) else None


def is_db_error(exc: BaseException) -> bool:
    # Without SQLAlchemy loaded no error can be one of its own: the sqlite3 fast
    # path must not import it just to classify an error.
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        return True
    # DBAPI errors raised by the driver itself (our cursor bypasses SQLAlchemy)
    return any(c.__name__ in ("Error", "DatabaseError", "OperationalError", "InterfaceError")
               for c in type(exc).__mro__)
