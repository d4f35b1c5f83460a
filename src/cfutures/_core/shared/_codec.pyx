"""The process pool's codec: what its frames carry, made into bytes and back.

* Calls and answers are pickled (protocol 5) by ``dumps``: the plain
  pickler first, multiprocessing's ForkingPickler (connections, sockets,
  what was registered with it) if that fails, or the pool's own pickler
  (``pickler=``, _serializer.pyx). Large byte strings and objects that
  export pickle-5 buffers travel beside the pickle (out of band): the
  BufferCollector keeps them, and frames (_frames.pyx) write them straight
  from the object and read them straight into the new one.
* An exception raised in a worker travels as ``encode_exception()``:
  (traceback text, pickled exception); ``decode_exception()`` rebuilds it
  in the parent with the text as its ``__cause__``, a RemoteTraceback, as
  the stdlib's process pool gives it. One that does not pickle is replaced
  by the pickling error, as in the stdlib.
* Answers are by index: a list of values and ``{index: encoded error}``
  (None when no call raised); ``isolate_unpicklable()`` makes each value
  that does not pickle the error of its own index, so that one bad result
  fails its call alone.

Threading model: no shared state; a BufferCollector belongs to one thread
at a time (each worker thread and the parent's senders have their own).
"""
cimport cython
from cfutures._core.shared._tuning cimport CF_MAX_BUFFERS, CF_OOB_MIN_BYTES

import pickle
# From multiprocessing itself, not cfutures._core.shared._stdlib: a worker process loads
# this module, and never concurrent.futures (nor logging, nor traceback
# until a call raises), so that it starts sooner than the stdlib's worker.
from multiprocessing.reduction import ForkingPickler

from cfutures._core.shared import _remote_errors


cdef object _dumps = pickle.dumps
cdef object _loads = pickle.loads
cdef object _PickleBuffer = pickle.PickleBuffer


@cython.final
cdef class BufferCollector:
    """pickle's buffer_callback: large contiguous buffers go out of band."""

    def __cinit__(self):
        self.views = []

    def __call__(self, buffer):
        try:
            view = buffer.raw()
        except BufferError:
            return True
        if view.nbytes < CF_OOB_MIN_BYTES or len(self.views) >= CF_MAX_BUFFERS:
            return True
        self.views.append(view)
        return False

    @property
    def buffers(self):
        """The buffers the last dumps() left out of its pickle."""
        return self.views

    def pickled(self, obj):
        """dumps(obj) through this collector (and its pool's pickler)."""
        return dumps(obj, self)

    cdef int reset(self) except -1:
        if self.views:
            self.views = []
        return 0


cpdef object dumps(object obj, BufferCollector collector):
    """Pickle ``obj``, large buffers into ``collector``: the plain pickler
    first, multiprocessing's (which knows connections, sockets and what was
    registered with it) if that fails."""
    if collector is None:
        raise TypeError("dumps() needs a BufferCollector")
    collector.reset()
    if collector.serializer is not None:
        return collector.serializer.dumps(obj, collector)
    try:
        return _dumps(obj, PROTOCOL, buffer_callback=collector)
    except Exception:
        collector.reset()
    buf = ForkingPickler.dumps(obj, PROTOCOL)
    return buf.tobytes() if isinstance(buf, memoryview) else buf


cpdef object loads(object body, list buffers, Serializer serializer=None):
    if serializer is not None:
        return serializer.loads(body, buffers)
    return _loads(body, buffers=buffers)


cdef object out_of_band(object value):
    """``value``, or a PickleBuffer over it if it should travel beside the pickle."""
    if type(value) is bytes and len(<bytes>value) >= CF_OOB_MIN_BYTES:
        return _PickleBuffer(value)
    return value


cdef tuple oob_args(tuple args):
    cdef Py_ssize_t i, n = len(args)
    cdef list copy = None
    for i in range(n):
        value = out_of_band(args[i])
        if value is not args[i]:
            if copy is None:
                copy = list(args)
            copy[i] = value
    return args if copy is None else tuple(copy)


cdef dict oob_kwargs(dict kwargs):
    cdef dict copy = None
    for key, value in kwargs.items():
        wrapped = out_of_band(value)
        if wrapped is not value:
            if copy is None:
                copy = dict(kwargs)
            copy[key] = wrapped
    return kwargs if copy is None else copy


cpdef list out_of_band_items(list items, bint rows):
    """A map run's ``items`` (argument tuples if ``rows``, else single
    arguments), with large byte strings marked to travel beside the
    pickle, as call_tuple() does for a call's own arguments; the same list
    if none is."""
    cdef Py_ssize_t i, n = len(items)
    cdef list copy = None
    for i in range(n):
        item = oob_args(<tuple>items[i]) if rows else out_of_band(items[i])
        if item is not items[i]:
            if copy is None:
                copy = list(items)
            copy[i] = item
    return items if copy is None else copy


cdef tuple call_tuple(object fn, tuple args, dict kwargs):
    """A call as FRAME_CALLS carries it."""
    return (fn, oob_args(args) if args else args,
            oob_kwargs(kwargs) if kwargs is not None else None)


# Exceptions and unpicklable answers go as _remote_errors (plain Python,
# which the Dask backend shares) says; here with the pool's pickling.
cpdef str traceback_text(BaseException exc):
    return _remote_errors.traceback_text(exc)


def in_band_dumps(obj):
    """A pickle with its buffers inside it (an exception's): plain pickle,
    or multiprocessing's ForkingPickler where that fails."""
    try:
        return _dumps(obj, PROTOCOL)
    except Exception:
        return ForkingPickler.dumps(obj, PROTOCOL).tobytes()


cpdef tuple encode_exception(BaseException exc):
    """(traceback text, pickled exception) of an exception raised here."""
    return _remote_errors.encode_exception(exc, in_band_dumps)


cpdef object decode_exception(tuple encoded):
    """The exception of an encode_exception() result, with its remote
    traceback as ``__cause__``."""
    return _remote_errors.decode_exception(encoded)


cdef object local_failure(BaseException exc):
    """``exc``, raised in the parent, dressed like the stdlib's feeder errors."""
    exc.__cause__ = _remote_errors.remote_traceback(traceback_text(exc))
    exc.__traceback__ = None
    return exc


cpdef dict isolate_unpicklable(list values, dict errors,
                               BufferCollector collector):
    """_remote_errors.isolate_unpicklable with ``collector``'s pickler (the
    pool's, large buffers out of band)."""
    return _remote_errors.isolate_unpicklable(values, errors,
                                              collector.pickled)
