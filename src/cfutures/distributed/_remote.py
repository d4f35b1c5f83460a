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
import traceback

PROTOCOL = 5


def traceback_text(exc):
    """The text the stdlib's process pool puts in ``_RemoteTraceback``."""
    return '\n"""\n%s"""' % "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))


def encode_exception(exc):
    """(traceback text, pickled exception) of an exception raised here."""
    text = traceback_text(exc)
    exc.__traceback__ = None
    try:
        return text, pickle.dumps(exc, PROTOCOL)
    except BaseException as error:   # as the stdlib: the pickling error stands in
        text = traceback_text(error)
        error.__traceback__ = None
        try:
            return text, pickle.dumps(error, PROTOCOL)
        except BaseException:
            return text, pickle.dumps(RuntimeError(repr(error)), PROTOCOL)


def _answer(seconds, values, errors):
    try:
        return pickle.dumps((seconds, values, errors), PROTOCOL)
    except BaseException:
        pass
    # Some value does not pickle: find which, and fail those alone.
    errors = dict(errors or {})
    for index, value in enumerate(values):
        if index in errors:
            continue
        try:
            pickle.dumps(value, PROTOCOL)
        except BaseException as exc:
            errors[index] = encode_exception(exc)
            values[index] = None
    return pickle.dumps((seconds, values, errors or None), PROTOCOL)


def _run_each(calls):
    """Run ``(fn, args, kwargs)`` calls in order; the answer bytes."""
    values = []
    errors = None
    started = time.perf_counter()
    for index, (fn, args, kwargs) in enumerate(calls):
        try:
            values.append(fn(*args, **kwargs) if kwargs else fn(*args))
        except BaseException as exc:
            values.append(None)
            if errors is None:
                errors = {}
            errors[index] = encode_exception(exc)
    return _answer(time.perf_counter() - started, values, errors)


def run_calls(payload):
    """Run a burst of submitted calls (see the module docstring)."""
    return _run_each(pickle.loads(payload))


def run_rows(payload):
    """Run ``fn`` over a chunk of map's argument rows."""
    fn, rows = pickle.loads(payload)
    return _run_each((fn, row, None) for row in rows)
