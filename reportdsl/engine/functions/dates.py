"""Runtime operations on dates (LANGUAGE.md §11): the date functions, the date
operators (``date - date``, ``date ± int``) and the locale's month and day names.

In: Python values (``None`` is null; text is read as an ISO date, as ``year()`` reads
it, for columns of undeclared type). Out: ``date``/``datetime``/``int``/``str`` values,
or ``RowValueError`` naming the function and what is wrong (a date past year 9999, a
datetime where only a date can be, an unknown ``date_trunc`` unit).
"""

from __future__ import annotations

import calendar
import datetime as _dt

from reportdsl.engine.functions.core import RowValueError, _as_date, kind_word, show

_DAY = _dt.timedelta(days=1)


def _whole(n, fn: str, what: str, at) -> int:
    if isinstance(n, int) and not isinstance(n, bool):
        return n
    raise RowValueError(f"{fn}() needs a whole number of {what}, got {kind_word(n)} ({show(n)})", at)


def _shifted(d, days: int, what: str, at):
    """``d`` moved by ``days``; ``what`` names the operation in the error."""
    try:
        return d + _dt.timedelta(days=days)
    except OverflowError:  # also a timedelta beyond 999999999 days
        raise RowValueError(f"{what}: {show(d)} and {days} days is outside the years 1–9999", at) from None


def f_days_between(a, b, at=None):
    """``b − a`` in days; datetimes count by their dates (calendar days crossed)."""
    if a is None or b is None:
        return None
    a, b = _as_date(a, "days_between", at), _as_date(b, "days_between", at)
    return (_day_of(b) - _day_of(a)).days


def _day_of(d) -> _dt.date:
    return d.date() if isinstance(d, _dt.datetime) else d


def f_add_days(d, n, at=None):
    if d is None or n is None:
        return None
    return _shifted(_as_date(d, "add_days", at), _whole(n, "add_days", "days", at), "add_days()", at)


def f_add_months(d, n, at=None):
    """The same day ``n`` months on; the month's last day where it has no such day."""
    if d is None or n is None:
        return None
    d, n = _as_date(d, "add_months", at), _whole(n, "add_months", "months", at)
    months = d.year * 12 + d.month - 1 + n
    year, month = divmod(months, 12)
    if not 1 <= year <= 9999:
        raise RowValueError(f"add_months(): {show(d)} and {n} months is outside the years 1–9999", at)
    return d.replace(year=year, month=month + 1, day=min(d.day, calendar.monthrange(year, month + 1)[1]))


def f_date_trunc(unit, d, at=None):
    """The first day of the year, quarter, month or ISO week ``d`` is in; a datetime
    gives that day's midnight. The checker makes sure the unit is a known constant."""
    if unit is None or d is None:
        return None
    d = _as_date(d, "date_trunc", at)
    day = _day_of(d)
    if unit == "year":
        day = day.replace(month=1, day=1)
    elif unit == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif unit == "month":
        day = day.replace(day=1)
    elif unit == "week":
        day = _shifted(day, 1 - day.isoweekday(), "date_trunc()", at)  # 0001-01-01 is a Monday
    else:
        raise RowValueError(f'date_trunc() takes "year", "quarter", "month" or "week", got {show(unit)}', at)
    if isinstance(d, _dt.datetime):
        return _dt.datetime.combine(day, _dt.time(), d.tzinfo)
    return day


def f_quarter(d, at=None):
    return None if d is None else (_as_date(d, "quarter", at).month + 2) // 3


def f_week(d, at=None):
    return None if d is None else _as_date(d, "week", at).isocalendar()[1]


def f_weekday(d, at=None):
    return None if d is None else _as_date(d, "weekday", at).isoweekday()


def f_hour(d, at=None):
    if d is None:
        return None
    d = _as_date(d, "hour", at)
    return d.hour if isinstance(d, _dt.datetime) else 0


def f_minute(d, at=None):
    if d is None:
        return None
    d = _as_date(d, "minute", at)
    return d.minute if isinstance(d, _dt.datetime) else 0


def f_month_name(d, names: tuple[str, ...], at=None):
    """``names``: the locale's twelve month names, a constant of the generated module."""
    return None if d is None else names[_as_date(d, "month_name", at).month - 1]


def f_day_name(d, names: tuple[str, ...], at=None):
    """``names``: the locale's seven day names, Monday first."""
    return None if d is None else names[_as_date(d, "day_name", at).weekday()]


def locale_names(func: str, locale: str) -> tuple[str, ...]:
    """The names ``month_name``/``day_name`` give in ``locale``, from Babel's CLDR data:
    the stand-alone wide forms (a name on its own: "январь", not the genitive "января")."""
    from babel.dates import get_day_names, get_month_names

    if func == "month_name":
        months = get_month_names("wide", "stand-alone", locale)
        return tuple(months[m] for m in range(1, 13))
    days = get_day_names("wide", "stand-alone", locale)
    return tuple(days[d] for d in range(7))


# ---- the date operators -----------------------------------------------------------------


def _operand_error(op: str, a, b, at) -> RowValueError:
    hint = ""
    if isinstance(a, _dt.datetime) or isinstance(b, _dt.datetime):
        hint = " (date arithmetic takes dates: use days_between(a, b), or date(x) to drop the time)"
    return RowValueError(f"cannot {op} {kind_word(a)} and {kind_word(b)} ({show(a)}, {show(b)}){hint}", at)


def _plain_date(v) -> bool:
    return isinstance(v, _dt.date) and not isinstance(v, _dt.datetime)


def _days(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def date_plus(a, b, at=None):
    """``date + int`` and ``int + date``: a date."""
    if a is None or b is None:
        return None
    if _plain_date(a) and _days(b):
        return _shifted(a, b, "date + days", at)
    if _days(a) and _plain_date(b):
        return _shifted(b, a, "days + date", at)
    raise _operand_error("add", a, b, at)


def date_minus(a, b, at=None):
    """``date - date``: the int number of days; ``date - int``: a date."""
    if a is None or b is None:
        return None
    if _plain_date(a) and _plain_date(b):
        return (a - b).days
    if _plain_date(a) and _days(b):
        return _shifted(a, -b, "date - days", at)
    raise _operand_error("subtract", a, b, at)
