# The process pool's codec: pickling, out-of-band buffers, exceptions; see _codec.pyx.
from cfutures._core.shared._serializer cimport Serializer

cdef enum:
    PROTOCOL = 5           # pickle protocol 5: out-of-band buffers


cdef class BufferCollector:
    cdef list views
    cdef public Serializer serializer   # the pool's pickler; None: pickle
    cdef int reset(self) except -1


cpdef object dumps(object obj, BufferCollector collector)
cpdef object loads(object body, list buffers, Serializer serializer=*)
cpdef list out_of_band_items(list items, bint rows)
cdef tuple call_tuple(object fn, tuple args, dict kwargs)
cdef object out_of_band(object value)
cpdef str traceback_text(BaseException exc)
cpdef tuple encode_exception(BaseException exc)
cpdef object decode_exception(tuple encoded)
cdef object local_failure(BaseException exc)
cpdef dict isolate_unpicklable(list values, dict errors, BufferCollector collector)
