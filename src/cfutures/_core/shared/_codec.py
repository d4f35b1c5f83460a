"""The one codec for calls run in other processes: what the process pool's
frames carry, and what the Dask backend's tasks answer, made into bytes and
back.

* Calls and answers are pickled (protocol 5) by ``dumps``: the plain
  pickler first, multiprocessing's ForkingPickler (connections, sockets,
  what was registered with it) if that fails, or the pool's own pickler
  (``pickler=``, _serializer.pyx). Large byte strings and objects that
  export pickle-5 buffers travel beside the pickle (out of band): the
  BufferCollector keeps them, and frames (_frames.pyx) write them straight
  from the object and read them straight into the new one.
* An exception raised where a call ran travels as ``encode_exception()``:
  (traceback text, pickled exception); ``decode_exception()`` rebuilds it
  where the caller is, with the text as its ``__cause__``, a
  _RemoteTraceback, as the stdlib's process pool gives it. One that does
  not pickle is replaced by the pickling error, as in the stdlib.
* Answers are by index (``Answers``): one value per call or map item, in
  order, and the error of each that raised. A worker's unsent results, a
  map run's answer and a Dask task's answer are each one. Its
  ``isolate_unpicklable()`` makes each value that does not pickle the
  error of its own index, so that one bad result fails its call alone.

Written in Cython's pure-Python mode: setup.py compiles it (with the types
of _codec.pxd) for the process pool, and where there is no compiled core
it runs as it is, for the Dask backend. It imports nothing a worker
process would not load anyway (traceback only once a call raised, the
stdlib's exceptions only where decoded).

Threading model: no shared state; a BufferCollector or an Answers belongs
to one thread at a time (each worker thread and the parent's senders have
their own; a worker's ResultBatch passes its Answers under its send lock).
"""
import pickle
# From multiprocessing itself, not cfutures._core.shared._stdlib: a worker
# process loads this module, and never concurrent.futures (nor logging).
from multiprocessing.reduction import ForkingPickler

PROTOCOL = 5   # pickle protocol 5: out-of-band buffers

# CF_OOB_MIN_BYTES and CF_MAX_BUFFERS, used by the out-of-band code below,
# are csrc/cf_tuning.h's constants, cimported by _codec.pxd: they exist only
# compiled, and only the compiled process pool calls that code.

_dumps = pickle.dumps
_loads = pickle.loads
_PickleBuffer = pickle.PickleBuffer


# -- pickling ---------------------------------------------------------------

class BufferCollector:
    """pickle's buffer_callback: large contiguous buffers go out of band."""

    def __init__(self, serializer=None):
        self.views = []
        self.serializer = serializer   # the pool's pickler; None: pickle

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

    def reset(self):
        if self.views:
            self.views = []
        return 0


def dumps(obj, collector):
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


def loads(body, buffers, serializer=None):
    if serializer is not None:
        return serializer.loads(body, buffers)
    return _loads(body, buffers=buffers)


def in_band_dumps(obj):
    """A pickle with its buffers inside it (an exception's, a Dask
    answer's): plain pickle, or multiprocessing's ForkingPickler where that
    fails."""
    try:
        return _dumps(obj, PROTOCOL)
    except Exception:
        return ForkingPickler.dumps(obj, PROTOCOL).tobytes()


# -- out of band --------------------------------------------------------------

def out_of_band(value):
    """``value``, or a PickleBuffer over it if it should travel beside the pickle."""
    if type(value) is bytes and len(value) >= CF_OOB_MIN_BYTES:
        return _PickleBuffer(value)
    return value


def oob_args(args):
    copy = None
    for i in range(len(args)):
        value = out_of_band(args[i])
        if value is not args[i]:
            if copy is None:
                copy = list(args)
            copy[i] = value
    return args if copy is None else tuple(copy)


def oob_kwargs(kwargs):
    copy = None
    for key, value in kwargs.items():
        wrapped = out_of_band(value)
        if wrapped is not value:
            if copy is None:
                copy = dict(kwargs)
            copy[key] = wrapped
    return kwargs if copy is None else copy


def out_of_band_items(items, rows):
    """A map run's ``items`` (argument tuples if ``rows``, else single
    arguments), with large byte strings marked to travel beside the
    pickle, as call_tuple() does for a call's own arguments; the same list
    if none is."""
    copy = None
    for i in range(len(items)):
        item = oob_args(items[i]) if rows else out_of_band(items[i])
        if item is not items[i]:
            if copy is None:
                copy = list(items)
            copy[i] = item
    return items if copy is None else copy


def call_tuple(fn, args, kwargs):
    """A call as FRAME_CALLS carries it."""
    return (fn, oob_args(args) if args else args,
            oob_kwargs(kwargs) if kwargs is not None else None)


# -- exceptions -----------------------------------------------------------------

def traceback_text(exc):
    """The text the stdlib's process pool puts in its _RemoteTraceback."""
    from traceback import format_exception
    return '\n"""\n%s"""' % "".join(
        format_exception(type(exc), exc, exc.__traceback__))


def encode_exception(exc):
    """(traceback text, pickled exception) of an exception raised here."""
    text = traceback_text(exc)
    exc.__traceback__ = None
    try:
        return text, in_band_dumps(exc)
    except BaseException as error:
        # As the stdlib does: the pickling error stands in for the exception.
        text = traceback_text(error)
        error.__traceback__ = None
        try:
            return text, _dumps(error, PROTOCOL)
        except BaseException:
            return text, _dumps(RuntimeError(repr(error)), PROTOCOL)


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
        exc = _loads(blob)
    except BaseException as error:
        exc = error
    if not isinstance(exc, BaseException):
        exc = TypeError(f"the worker sent a non-exception: {exc!r}")
    exc.__cause__ = remote_traceback(text)
    return exc


def local_failure(exc):
    """``exc``, raised in the parent, dressed like the stdlib's feeder errors."""
    exc.__cause__ = remote_traceback(traceback_text(exc))
    exc.__traceback__ = None
    return exc


# -- answers by index -------------------------------------------------------------

class Answers:
    """What calls answered, by index: ``values`` one per call (None where
    it raised) and ``errors`` ``{index: error}`` (None when none raised).
    Errors are encode_exception()'s where the calls ran and live exceptions
    once decode_errors() has run where the caller is (recovery adds its
    own live). ``rest``: the parent's work item of the items after a map run
    that answered short, else None."""

    def __reduce__(self):
        return (_answers, (self.values, self.errors))

    def fail_next(self, error):
        """The next call raised: ``error`` is its error, None its value."""
        self.set_error(len(self.values), error)
        self.values.append(None)
        return 0

    def set_error(self, index, error):
        """Call ``index``'s error is ``error`` (its value stays None)."""
        if self.errors is None:
            self.errors = {}
        self.errors[index] = error
        return 0

    def decode_errors(self):
        """Where the caller is, as the answers arrive: each encoded error
        becomes the exception it stands for (with its remote traceback)."""
        if self.errors:
            for index, encoded in self.errors.items():
                self.errors[index] = decode_exception(encoded)
        return 0

    def isolate_unpicklable(self, dumps):
        """Make each value that ``dumps`` cannot pickle the error of its
        index (a map run's Answers among the values item by item). A value
        whose index has an error already is left alone."""
        values = self.values
        for index in range(len(values)):
            if self.errors is not None and index in self.errors:
                continue
            value = values[index]
            if type(value) is Answers:
                value.isolate_unpicklable(dumps)
            try:
                dumps(value)
            except BaseException as exc:
                # SystemExit from a __reduce__ too, as in the stdlib.
                values[index] = None
                self.set_error(index, encode_exception(exc))
        return 0

    def slice(self, start, stop):
        """Answers ``start`` to ``stop`` (not included) as answers of their own."""
        errors = None
        if self.errors:
            for index, encoded in self.errors.items():
                if start <= index < stop:
                    if errors is None:
                        errors = {}
                    errors[index - start] = encoded
        return new_answers(self.values[start:stop], errors)

    def extend(self, more):
        """Append the answers of ``more``, the part that follows these."""
        base = len(self.values)
        if more.errors:
            if self.errors is None:
                self.errors = {}
            for index, encoded in more.errors.items():
                self.errors[base + index] = encoded
        self.values.extend(more.values)
        return 0


def new_answers(values, errors):
    answers = Answers.__new__(Answers)
    answers.values = values
    answers.errors = errors
    answers.rest = None
    return answers


def _answers(values, errors):
    return new_answers(values, errors)
