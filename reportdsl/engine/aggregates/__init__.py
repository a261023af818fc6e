"""How aggregates are computed: accumulator layout and the code that moves it
(``layout``), the values it computes with (``values``), running values read per
detail row (``running``), sample variance and deviation (``moments``), medians and
percentiles (``order_statistics``).
"""
