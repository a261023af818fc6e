"""Values → display text: LANGUAGE.md §8 formats through Babel's CLDR data.

``formats`` (``ValueFormatter``), ``number_format`` (CLDR number patterns applied on the
hot path), ``locale_cache`` (Babel's merged locale data kept between processes).
"""
