"""The loops that call a map run's function on each item, in a worker.

Python, not Cython, on purpose: CPython 3.11+ runs a Python function
called from Python bytecode in the same evaluation loop, which costs about
a third less than calling it from C. Each loop stops at the first item
that raises; the caller (``_worker.run_items``) records that item's
exception and calls the loop again with the same iterator, which goes on
with the next item.
"""


def call_each(fn, items, values):
    """Append ``fn(item)`` to ``values`` for each item left in ``items``."""
    append = values.append
    for item in items:
        append(fn(item))


def call_each_row(fn, items, values):
    """Append ``fn(*item)`` to ``values`` for each item left in ``items``."""
    append = values.append
    for item in items:
        append(fn(*item))
