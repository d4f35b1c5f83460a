# A process pool's own pickler (the pickler option); see _serializer.pyx.

cdef class Serializer:
    cdef readonly object spec        # what a worker rebuilds it from
    cdef object dumps_fn
    cdef object loads_fn
    cdef bint takes_buffers          # dumps takes protocol= and buffer_callback=
