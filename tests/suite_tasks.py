"""Functions the shared executor suite runs: importable by process-pool
workers and Dask workers alike (they are pickled by reference)."""
import os
import threading
import time
import uuid


def square(x):
    return x * x


def add(x, y=0, *, z=0):
    return x + y + z


def fresh_id():
    return uuid.uuid4().hex


def raise_value_error(message):
    raise ValueError(message)


def fail_at(x, bad):
    if x == bad:
        raise KeyError(x)
    return x


def unpicklable_at(x, bad):
    return threading.Lock() if x == bad else x


def hold(started, release, timeout):
    """Tell ``started`` (an Event proxy) and wait for ``release``."""
    started.set()
    return release.wait(timeout)


def hold_and_count(arrived, release, timeout):
    arrived.put(os.getpid())
    return release.wait(timeout)


def count_call(counter, x):
    counter.put(x)
    return x


def die():
    os._exit(7)


def slow_square(x, seconds):
    time.sleep(seconds)
    return x * x
