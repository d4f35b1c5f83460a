# The types of _codec.py (Cython's pure-Python mode: this file makes it C).
cimport cython
from cfutures._core.shared._serializer cimport Serializer
from cfutures._core.shared._tuning cimport CF_MAX_BUFFERS, CF_OOB_MIN_BYTES

cdef int PROTOCOL
cdef object _dumps, _loads, _PickleBuffer


@cython.final
cdef class BufferCollector:
    cdef list views
    cdef public Serializer serializer   # the pool's pickler; None: pickle
    cpdef int reset(self) except -1


cpdef object dumps(object obj, BufferCollector collector)
cpdef object loads(object body, list buffers, Serializer serializer=*)
cpdef object in_band_dumps(object obj)

cdef object out_of_band(object value)
@cython.locals(i=Py_ssize_t, copy=list)
cdef tuple oob_args(tuple args)
@cython.locals(copy=dict)
cdef dict oob_kwargs(dict kwargs)
@cython.locals(i=Py_ssize_t, copy=list)
cpdef list out_of_band_items(list items, bint rows)
cdef tuple call_tuple(object fn, tuple args, dict kwargs)

cpdef str traceback_text(BaseException exc)
cpdef tuple encode_exception(BaseException exc)
cpdef object decode_exception(tuple encoded)
cdef object local_failure(BaseException exc)


@cython.final
cdef class Answers:
    cdef public list values
    cdef public dict errors      # index -> its error; None if none
    cdef public object rest      # parent only: the work item of the items after a short run

    cpdef int fail_next(self, object error) except -1
    cpdef int set_error(self, Py_ssize_t index, object error) except -1
    cpdef int decode_errors(self) except -1
    @cython.locals(index=Py_ssize_t, values=list)
    cpdef int isolate_unpicklable(self, object dumps) except -1
    cpdef Answers slice(self, Py_ssize_t start, Py_ssize_t stop)
    @cython.locals(base=Py_ssize_t)
    cpdef int extend(self, Answers more) except -1


cpdef Answers new_answers(list values, dict errors)
