"""Bootstraps spread over the worker's cores: numpy lets go of the interpreter in the larger
steps of one (the resamples' draws and products), so two run at once on two threads. Only
numpy work goes to a thread: every database read is done before, by the caller's thread."""

from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor

from django.utils import translation

# On two cores, drift's overall figures at 50,000 cases took 0.85 s instead of 1.65, and a
# cold snapshot's drift 8.0-8.3 s instead of 9.9-11.2 (bench/README.md, "Eighth round").
THREADS = 2


def _one_malloc_arena() -> None:
    """Threads allocate from the process's main heap (glibc's M_ARENA_MAX = 1), not each from
    an arena of its own: memory freed in a thread's arena stayed there, and a worker's next
    snapshots started 60-120 MB higher and peaked above 400 MB. Does nothing where the C
    library is not glibc."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def in_parallel(function, items: list) -> list:
    """[function(item) for item in items], on THREADS threads, each in the caller's
    language (the figures' notes are translated as they are written)."""
    if len(items) < 2:
        return [function(item) for item in items]
    _one_malloc_arena()
    language = translation.get_language()

    def run(item):
        with translation.override(language):
            return function(item)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, items))
