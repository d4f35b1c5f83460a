# Declarations of csrc/cf_tuning.h: every tuning constant, in one place.

cdef extern from "cf_tuning.h":
    double CF_SPIN_RESULT
    double CF_SPIN_IDLE_WORKER
    enum:
        CF_MAX_BUFFERS
        CF_MAX_IOV
        CF_READ_BUFFER
        CF_DIRECT_READ
        CF_OOB_MIN_BYTES
        CF_PIPE_DEFAULT
        CF_PIPE_MAX
        CF_READ_ROUNDS
        CF_BATCH_MAX
        CF_COST_CALLS
        CF_SLOW_START
        CF_DEPTH
        CF_FLUSH_BYTES
        CF_MAP_RUN_MAX
        CF_MAP_RUN_BYTES
        CF_MAP_TAIL_SHARES
        CF_MAP_PIECE_TRUST
        CF_FLUSHER_LINGER
    double CF_BATCH_SECONDS
    double CF_BATCH_BYTES
    double CF_FASTEST_CALL
    double CF_DEEP_MAX_SECONDS
    double CF_MAP_PIECE_SECONDS
    double CF_STALL_SECONDS
    double CF_FLUSH_SECONDS
    double CF_FLUSHER_PERIOD
    double CF_RUN_PART_SECONDS
    double CF_RUN_LOOK_SECONDS
    double CF_RUN_SLICE_SECONDS
    double CF_WORKER_SPIN_SECONDS
    double CF_WORKER_EXIT_GRACE
    double CF_WORKER_JOIN_SECONDS
    double CF_WORKER_EXIT_WAIT
    double CF_STOP_POLL_SECONDS
    double CF_CRASH_WINDOW
    double CF_TIME_LIMIT_POLL
    double CF_RUN_PART_GRACE
