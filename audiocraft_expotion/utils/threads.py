"""Intra-op thread count for CPU work: token-by-token decoding is slowed, not sped up, by many threads.

Decoding one token is a chain of small matrix-vector products; with torch's default of one
thread per core, OpenMP workers spin and wait on each other, and on a shared or small machine
that oversubscribes the cores. Measured on a 2-core machine (tiny preset, 100 steps, CFG,
interleaved repeats): 1 thread 1.15 s wall / 0.43 s CPU, 2 threads 14-32 s wall / 5-10 s CPU.
"""
import logging
import os
import typing as tp

import torch

logger = logging.getLogger(__name__)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity; ``os.cpu_count()`` where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS / Windows
        return os.cpu_count() or 1


def default_threads() -> int:
    """The decoding default: 1 thread up to 2 usable cores (measured, see module docstring),
    else half the usable cores (memory-bound larger models gain bandwidth from a few threads)."""
    cores = usable_cores()
    return 1 if cores <= 2 else cores // 2


def configure_threads(threads: tp.Optional[int] = None) -> int:
    """Set torch's intra-op thread count and return it.

    Args:
        threads: number of threads (>= 1), or None for :func:`default_threads`.
    Returns:
        The thread count now in effect.
    Raises:
        ValueError: for ``threads < 1``.
    """
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}.")
    count = default_threads() if threads is None else int(threads)
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
        logger.debug("torch intra-op threads set to %d", count)
    return torch.get_num_threads()
