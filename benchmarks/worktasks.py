"""The functions the process workloads run in their worker processes.

A small module of its own, importable by name, so that a worker finds them
whatever starts it: fork, spawn or forkserver, multiprocessing's Pool, or a
peer (loky pickles callables with cloudpickle, by reference when their
module imports). Nothing here is timed on its own: workloads_processes.py
times a whole pool's life around them.
"""
import time

# Iterations of spin()'s loop: about 10 us of pure-Python work on CPython
# 3.11 on the project's 2-CPU x86_64 machine. A fixed count rather than a
# calibrated time, so every implementation runs exactly the same work.
SPIN_LOOPS = 100


def echo(value):
    """The no-op task: hands its argument back (so it travels both ways)."""
    return value


def spin(value):
    """About 10 us of pure-Python arithmetic; returns a number below 2**16."""
    total = value
    for i in range(SPIN_LOOPS):
        total = (total * 31 + i) & 0xFFFF
    return total


def pause(seconds):
    """Sleep ``seconds`` (return at once for 0); returns ``seconds``."""
    if seconds:
        time.sleep(seconds)
    return seconds


def burn(seconds):
    """Spin the CPU for ``seconds`` of this thread's CPU time (return at
    once for 0); returns ``seconds``."""
    if seconds:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass
    return seconds
