"""Babel's data for a report's locale, kept between processes.

In: a locale identifier as Babel names its data (``str(locale)``: ``en_US``).
Out: ``preload(name)`` — afterwards Babel finds that locale's merged CLDR data in its
own per-process cache, loaded from one pickle in the private cache folder
(``reportdsl.pickle_cache``) instead of being merged from the root, language and
territory files: ~3 ms instead of ~15 ms (about 60 M instructions), which is a tenth
of what a build adds to Typst's own work on a 10k-row report.

Babel has no public hook for this: ``preload`` fills ``babel.localedata._cache``, the
dict ``localedata.load`` consults first, only where it is a dict that does not hold
the locale yet. The file is keyed by Babel's version and the size and time of the
locale's data file. It is written right after Babel has loaded the locale in a
process that had loaded no other, so it holds Babel's data as read, before any lookup
(Babel writes resolved aliases back into that dict). Anything amiss is a miss, and
Babel loads as it always does: a file that ``pickle_cache`` does not trust, or whose
content is not a locale's data (``_looks_like_locale_data``), is removed, so that the
next process that loads the locale first writes it again.
``REPORTDSL_NO_LOCALE_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from reportdsl import pickle_cache

# What every locale's merged data holds (Babel 2.x), each a mapping.
_REQUIRED = ("number_symbols", "decimal_formats", "currency_formats", "percent_formats", "date_formats",
             "time_formats", "datetime_formats", "months", "days", "currency_symbols")


def _looks_like_locale_data(data: object) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("locale_id"), str):
        return False
    return all(isinstance(data.get(key), dict) and data[key] for key in _REQUIRED)


def preload(name: str) -> None:
    try:
        import babel
        from babel import localedata

        cache = localedata._cache
        if not isinstance(cache, dict) or name in cache:
            return
        path = _path(name, babel.__version__, localedata.resolve_locale_filename(name))
    except Exception:  # noqa: BLE001 - an unknown locale, another Babel: Babel decides
        return
    if path is None:
        return
    data = pickle_cache.load(path)
    if _looks_like_locale_data(data):
        with localedata._cache_lock:
            cache.setdefault(name, data)
        return
    if data is not None:
        pickle_cache.discard(path)  # not this locale's data: written again below or by the next build
    pristine = not cache
    try:
        data = localedata.load(name)
    except Exception:  # noqa: BLE001 - the formatter reports an unknown locale
        return
    if pristine:
        pickle_cache.store(path, data)


def _path(name: str, version: str, data_file: str) -> Path | None:
    try:
        info = os.stat(data_file)
    except OSError:
        return None
    key = hashlib.sha256(f"{version}\0{name}\0{info.st_size}\0{info.st_mtime_ns}".encode()).hexdigest()[:40]
    return pickle_cache.cache_file(f"locale-{key}.pickle", "REPORTDSL_NO_LOCALE_CACHE")
