"""The peak resident memory of this process, for the benchmarks' children.

In: nothing. Out: megabytes. Why not ``getrusage(RUSAGE_SELF).ru_maxrss`` alone: on
Linux it survives ``fork`` and ``exec``, so a child started by a benchmark that holds
300 MB reports at least 300 MB whatever it used itself (measured: a child of a 300 MB
parent, ru_maxrss 310 MB, VmHWM 11 MB). ``VmHWM`` belongs to the process's own memory
map, which ``exec`` makes anew; elsewhere ``ru_maxrss`` is what there is.
"""

from __future__ import annotations

import resource
import sys


def peak_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024  # bytes on macOS, else kB
