"""Exceptions and unpicklable results across processes, one way for every
side that runs calls elsewhere: the process pool's workers and parent
(through _codec.pyx, which gives it the pool's pickler) and the Dask
backend's tasks and client (cfutures.distributed).

* ``encode_exception(exc)``: (traceback text, pickled exception) of an
  exception raised where the call ran; one that does not pickle is
  replaced by the pickling error, as in the stdlib's process pool.
* ``decode_exception(encoded)``: the exception again, where the caller
  is, with the text as its ``__cause__``, a ``_RemoteTraceback``, as the
  stdlib's process pool gives it.
* ``isolate_unpicklable(values, errors, dumps)``: answers are by index,
  a list of values and ``{index: encoded error}`` (None when none raised);
  each value that does not pickle becomes the error of its own index, so
  that one bad result fails its call alone.

Plain Python, so that the Dask backend has it without the compiled core;
imports nothing a worker process would not load anyway (traceback only
once a call raised, the stdlib's exceptions only where decoded).

Threading model: no state.
"""
import pickle

PROTOCOL = 5


def pickle_dumps(obj):
    return pickle.dumps(obj, PROTOCOL)


def traceback_text(exc):
    """The text the stdlib's process pool puts in its _RemoteTraceback."""
    from traceback import format_exception
    return '\n"""\n%s"""' % "".join(
        format_exception(type(exc), exc, exc.__traceback__))


def encode_exception(exc, dumps=pickle_dumps):
    """(traceback text, ``dumps(exc)``) of an exception raised here."""
    text = traceback_text(exc)
    exc.__traceback__ = None
    try:
        return text, dumps(exc)
    except BaseException as error:
        # As the stdlib does: the pickling error stands in for the exception.
        text = traceback_text(error)
        error.__traceback__ = None
        try:
            return text, pickle_dumps(error)
        except BaseException:
            return text, pickle_dumps(RuntimeError(repr(error)))


def remote_traceback(text):
    """The stdlib's _RemoteTraceback of ``text``; looked up when first
    needed, where the caller is: a worker never imports
    concurrent.futures.process."""
    from ._stdlib import RemoteTraceback
    return RemoteTraceback(text)


def decode_exception(encoded):
    """The exception of an encode_exception() result, with its remote
    traceback as ``__cause__``."""
    text, blob = encoded
    try:
        exc = pickle.loads(blob)
    except BaseException as error:
        exc = error
    if not isinstance(exc, BaseException):
        exc = TypeError(f"the worker sent a non-exception: {exc!r}")
    exc.__cause__ = remote_traceback(text)
    return exc


def isolate_unpicklable(values, errors, dumps=pickle_dumps):
    """Make each of ``values`` that ``dumps`` cannot pickle the error of
    its index: None in ``values``, its encode_exception() in ``errors``,
    which is made if it is None and returned. A value whose index has an
    error already is left alone."""
    for index, value in enumerate(values):
        if errors is not None and index in errors:
            continue
        try:
            dumps(value)
        except BaseException as exc:
            # SystemExit from a __reduce__ too, as in the stdlib.
            values[index] = None
            if errors is None:
                errors = {}
            errors[index] = encode_exception(exc)
    return errors
