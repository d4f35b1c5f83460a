"""A process pool's own pickler: the ``pickler`` option.

By default calls and results travel with the stdlib's pickle (protocol 5,
large buffers out of band; multiprocessing's ForkingPickler for what only
it knows). A pool made with ``pickler=...`` uses a Serializer instead, in
the parent (calls out, results in) and in every worker (calls in, results
out): ``"cloudpickle"`` (the ``cfutures[cloudpickle]`` extra: lambdas,
closures and functions of ``__main__`` run under spawn and forkserver), or
any module or object with ``dumps(obj)`` and ``loads(data)``. One whose
``dumps`` takes ``protocol`` and ``buffer_callback`` (cloudpickle's does)
keeps the zero-copy path for large buffers; ``loads`` then gets them as
``buffers=``.

A worker rebuilds the serializer from its ``spec``: a module's name (it
imports it), or the object itself, pickled as the start method pickles
the pool's other arguments.
"""
cimport cython

import types


@cython.final
cdef class Serializer:
    """dumps/loads of one pool (see the module's docstring)."""

    def __init__(self, pickler):
        if isinstance(pickler, str):
            try:
                import importlib
                pickler = importlib.import_module(pickler)
            except ImportError as exc:
                hint = (" (pip install 'cfutures[cloudpickle]')"
                        if pickler == "cloudpickle" else "")
                raise ImportError(f"pickler {pickler!r} cannot be imported"
                                  f"{hint}: {exc}") from exc
        dumps_fn = getattr(pickler, "dumps", None)
        loads_fn = getattr(pickler, "loads", None)
        if not callable(dumps_fn) or not callable(loads_fn):
            raise TypeError(f"pickler must be None, 'cloudpickle', or have "
                            f"callable dumps and loads; got {pickler!r}")
        self.spec = pickler.__name__ if isinstance(pickler, types.ModuleType) else pickler
        self.dumps_fn = dumps_fn
        self.loads_fn = loads_fn
        self.takes_buffers = takes_keywords(dumps_fn, ("protocol", "buffer_callback"))

    def __reduce__(self):
        return (Serializer, (self.spec,))

    def dumps(self, obj, collector):
        if self.takes_buffers:
            return self.dumps_fn(obj, protocol=5, buffer_callback=collector)
        return self.dumps_fn(obj)

    def loads(self, body, buffers):
        if buffers:
            return self.loads_fn(body, buffers=buffers)
        return self.loads_fn(body)


cdef bint takes_keywords(object fn, tuple names):
    import inspect   # here: it costs every worker's start ~5 ms to import
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return True
    return all(name in parameters for name in names)
