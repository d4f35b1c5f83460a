/* cf_tuning: every tuning constant of cfutures, in one place.
 *
 * Numbers chosen by measurement on a 2-CPU VM (see the README's
 * Performance section). None is part of the wire format: both ends of a
 * pipe are built from this one header. Most change only speed; the
 * stopping ones also how long a misbehaving worker is given before it is
 * killed. Integer constants are enums, so that Cython may size arrays with
 * them. Declared for Cython in src/cfutures/_core/shared/_tuning.pxd.
 */
#ifndef CF_TUNING_H
#define CF_TUNING_H

/* -- threads: spin budgets (seconds) before a blocked thread sleeps -------
 * Long enough to catch a handoff between two busy threads, short enough
 * that an idle pool costs nothing measurable. */
#define CF_SPIN_RESULT 30e-6
#define CF_SPIN_IDLE_WORKER 50e-6

/* -- process pool: frames and pipes -------------------------------------- */
enum {
    /* Out-of-band buffers per frame (their sizes must fit the read buffer). */
    CF_MAX_BUFFERS = 1024,
    /* Parts handed to one writev(). */
    CF_MAX_IOV = 64,
    /* A frame reader's buffer. */
    CF_READ_BUFFER = 65536,
    /* A segment with at least this much left to read is read straight into
     * its object instead of through the read buffer. */
    CF_DIRECT_READ = 16384,
    /* Bytes and pickle-5 buffers of at least this size travel beside the
     * pickle instead of inside it. */
    CF_OOB_MIN_BYTES = 65536,
    /* A pipe that carries a larger frame than it holds grows, up to this. */
    CF_PIPE_DEFAULT = 65536,
    CF_PIPE_MAX = 1048576,
    /* Read rounds per worker each time the manager wakes: a chatty worker
     * cannot starve the others. */
    CF_READ_ROUNDS = 64,
};
/* A frame's header and its buffer lengths must fit the read buffer. */
#define CF_FRAME_HEADER_MAX (24 + 8 * CF_MAX_BUFFERS)
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(CF_FRAME_HEADER_MAX <= CF_READ_BUFFER,
               "CF_MAX_BUFFERS too large for CF_READ_BUFFER");
#endif

/* -- process pool: batching ----------------------------------------------
 * A batch holds about CF_BATCH_SECONDS of work, within [1, CF_BATCH_MAX]
 * calls and about CF_BATCH_BYTES of pickle. */
#define CF_BATCH_SECONDS 0.001
enum { CF_BATCH_MAX = 256 };
#define CF_BATCH_BYTES 1048576.0
/* A call's cost is the mean of the calls measured since the pool was last
 * idle, then of about the last CF_COST_CALLS of them. */
enum { CF_COST_CALLS = 64 };
/* A frame holds at most 1 / CF_SLOW_START of the calls measured so far. */
enum { CF_SLOW_START = 2 };
/* Calls measured faster than this count as this fast (no division by ~0). */
#define CF_FASTEST_CALL 1e-7
/* Batches outstanding per worker: one running and one waiting in the pipe
 * while its calls are known to take at most CF_DEEP_MAX_SECONDS and at
 * least CF_MAP_TAIL_SHARES batches per worker wait; one for
 * slow or unmeasured calls and towards a burst's end, so that no call
 * waits behind a slow one while another worker idles. */
enum { CF_DEPTH = 2 };
#define CF_DEEP_MAX_SECONDS 0.005
/* A worker that answered nothing for this long is busy with a slow call:
 * nothing more queues behind it. */
#define CF_STALL_SECONDS 0.005

/* -- process pool: map --------------------------------------------------
 * map() with chunksize 1 sends its items in runs, one call each. Every run
 * costs a frame each way, a future and wake-ups (tens of microseconds), so
 * there are few of them: sizes double from 1 (the first results come back
 * at once, and a slow function is found out early) up to CF_MAP_RUN_MAX
 * items, and a run never takes more than the items left / (workers x
 * CF_MAP_TAIL_SHARES), rounded up (guided scheduling: the runs shrink
 * towards the end so the workers finish together; two shares per worker,
 * since a run of short items may wait in a worker's pipe behind another, and
 * no other worker can take it from there). A run carries at most about
 * CF_MAP_RUN_BYTES of arguments: big payloads go one by one, so their
 * pickling, transfer and work overlap. The batch policy measures a run as
 * its items, so runs of short items are sent CF_DEPTH deep. */
enum { CF_MAP_RUN_MAX = 4096, CF_MAP_RUN_BYTES = 1048576, CF_MAP_TAIL_SHARES = 2 };
/* Runs are sized before anything is measured; once the items' cost is
 * known, a run that would take longer than this goes in pieces of about
 * this long, each sent when a worker is free (the rest of the run waits at
 * the front of the queue): no worker holds a long run of slow items while
 * another idles, and their results come sooner. */
#define CF_MAP_PIECE_SECONDS 0.005
/* The items measured so far may all have been short where 1 in n is
 * slow: until CF_MAP_PIECE_TRUST items are measured, nothing is queued
 * behind a run in a worker's pipe (where no other worker can take it). A
 * slow item in a run is the worker's to find: it gives back the items
 * after it (CF_RUN_LOOK_SECONDS). Capping pieces to a share of the items
 * measured instead, as before, cost a warm 20,000-item no-op map 6-7
 * round trips (0.41 against 0.33 us an item). */
enum { CF_MAP_PIECE_TRUST = 256 };

/* -- process pool: the worker side --------------------------------------- */
/* A worker sends what it has after this long, or this many bytes of large
 * results, even in the middle of a batch. */
#define CF_FLUSH_SECONDS 0.001
enum { CF_FLUSH_BYTES = 1048576 };
/* A map run sends the items it finished as a part (FRAME_RUN_PART) once
 * this long has passed since its last send, so that the parent's map yields
 * them while the run goes on (a slow item no longer holds the ones before
 * it until the run ends); it checks between slices of items, each about
 * CF_RUN_SLICE_SECONDS of them, learnt as they run. Longer than a measured
 * map's pieces (CF_MAP_PIECE_SECONDS), whose end sends their items anyway:
 * every part is a frame the parent wakes for, and a warm 20,000-item map of
 * 10 us calls took 3.80 us an item with parts every 5 ms, 3.41 with every
 * 10 ms (3.42 before runs sent parts; medians of 25 alternating runs on a
 * 2-vCPU VM). A slow item's stall is the flusher's (CF_RUN_LOOK_SECONDS). */
#define CF_RUN_PART_SECONDS 0.010
#define CF_RUN_SLICE_SECONDS 0.0005
/* While a batch runs, the worker's flusher thread checks this often for
 * results held back by a call that turned out slow. While map runs go on
 * (and CF_FLUSHER_LINGER looks after), it looks every CF_RUN_LOOK_SECONDS,
 * without the GIL, for a slice of a run that has taken a whole look (a
 * slow item), sends what finished before it, and gives the parent back the
 * run's items not started, for whichever worker is free. */
#define CF_FLUSHER_PERIOD 0.005
#define CF_RUN_LOOK_SECONDS 0.002
enum { CF_FLUSHER_LINGER = 50 };
/* An idle worker polls for its next call this long before it sleeps: waking
 * a sleeping process costs tens of microseconds on a VM. */
#define CF_WORKER_SPIN_SECONDS 100e-6

/* -- process pool: stopping ---------------------------------------------- */
/* A worker whose initializer failed gets this long to exit by itself (so
 * what it logged is flushed) before the pool ends every worker. */
#define CF_WORKER_EXIT_GRACE 2.0
/* How long a worker that is told to end (or that exited) is waited for
 * before it is killed, or its exit code is given up on. */
#define CF_WORKER_JOIN_SECONDS 1.0
/* A worker whose sentinel fired is a zombie within microseconds if it
 * exited; one still alive after this long closed or wrote into its end of
 * the sentinel pipe, and is killed and counted as a death. */
#define CF_WORKER_EXIT_WAIT 1.0

/* Recovery (_recovery.pyx): deaths are counted over this many seconds for
 * the crash-loop bound, and a pool with time limits looks at its workers'
 * progress at least this often while calls are out. */
#define CF_CRASH_WINDOW 10.0
#define CF_TIME_LIMIT_POLL 0.05
/* A map run's item past its limit: its worker is killed once the items
 * finished before it have come (the worker's flusher sends them within two
 * CF_FLUSHER_PERIODs), or after this many seconds if they do not (the
 * item holds the GIL: they are lost). */
#define CF_RUN_PART_GRACE 0.05
/* While stop frames are still queued, check a stopping worker this often. */
#define CF_STOP_POLL_SECONDS 0.05

#endif /* CF_TUNING_H */
