"""What runs in a Dask worker: a batch of calls, answered as one pickle.

Protocol (the client sends one dask task per batch, ``pure=False`` so that
identical calls are never merged):

* ``run_calls(payload)``: ``payload`` is the pickle of a list of
  ``(fn, args, kwargs)``, a burst of ``submit()``s; ``run_rows(payload)``:
  the pickle of ``(fn, rows)``, ``rows`` a list of argument tuples, a chunk
  of ``map()``. The client pickles them (with cloudpickle, as dask would),
  so dask sees one ``bytes`` argument and does not walk through the calls.
* The answer is ``bytes``: the pickle of ``(seconds, values, errors)``:
  ``seconds`` the time the calls took in the worker (the client sizes the
  next batches from it), ``values`` one entry per call (None where it
  failed), ``errors`` None or ``{index: (traceback text, pickled exception)}``.

Every call is run, in order, even when one before it raised. A value that
can't be pickled fails only its own call, with the pickling error (as the
stdlib's process pool reports it). Pickling here, not by dask, is what
keeps one bad value from failing the whole batch.
"""
import pickle
import time

# The process pool's codec (plain Python where the Dask worker lacks the
# compiled core): its answers by index, exceptions and pickling.
from .._core.shared._codec import (
    encode_exception, in_band_dumps, new_answers)


def _answer(seconds, answers):
    try:
        return in_band_dumps((seconds, answers.values, answers.errors))
    except BaseException:
        pass
    # Some value does not pickle: find which, and fail those alone.
    answers.isolate_unpicklable(in_band_dumps)
    return in_band_dumps((seconds, answers.values, answers.errors))


def _run_each(calls):
    """Run ``(fn, args, kwargs)`` calls in order; the answer bytes."""
    answers = new_answers([], None)
    values = answers.values
    started = time.perf_counter()
    for fn, args, kwargs in calls:
        try:
            values.append(fn(*args, **kwargs) if kwargs else fn(*args))
        except BaseException as exc:
            answers.fail_next(encode_exception(exc))
    return _answer(time.perf_counter() - started, answers)


def run_calls(payload):
    """Run a burst of submitted calls (see the module docstring)."""
    return _run_each(pickle.loads(payload))


def run_rows(payload):
    """Run ``fn`` over a chunk of map's argument rows."""
    fn, rows = pickle.loads(payload)
    return _run_each((fn, row, None) for row in rows)
