"""The process pools the process workloads compare with, behind one interface.

Besides concurrent.futures and cfutures (the two the table compares), a
process workload also runs on ``multiprocessing.Pool`` and, when they are
installed, on ``loky.ProcessPoolExecutor`` (a fresh one each run),
``pebble.ProcessPool`` and ``mpire.WorkerPool``; their times go to the
table's notes as references. Each pool is wrapped in a ``ProcessPoolPeer``
with the two things a workload does with it, each over the pool's whole
life (create it, use it, shut it down, as a program's ``with`` block does;
the package's import is not in it: ``missing`` imports it beforehand):

- ``map(workers, fn, items)``: the pool's own map, with its default
  arguments (chunking included), as a list; ``map_latencies`` also times
  each result's arrival at the caller (multiprocessing.Pool's map gives
  them all at its end; its imap, ``POOL_IMAP``, one by one);
- ``latencies(workers, fn, args)``: one call per argument, submitted one
  after another, then waited for in completion order (as_completed, or
  the pool's callbacks where it has no futures); returns the seconds from
  each submit to the moment the caller learns the call is done.

``process_pool(impl)`` gives the peer for whatever a case is handed:
concurrent.futures, cfutures, casekit.MPPOOL, or one of the third-party
peers below (``THIRD_PARTY``). ``missing(name)`` says why a third-party one
cannot run here ("loky not installed"), or None.
"""
import concurrent.futures
import functools
import importlib
import importlib.util
import time

from casekit import MPPOOL

# name in Case.impls -> module that must import for it to run.
THIRD_PARTY_MODULES = {"loky": "loky", "pebble": "pebble", "mpire": "mpire"}


def missing(name):
    """Why a third-party peer cannot run here ('<name> not installed'), or
    None. Imports the package, so that no measurement times its import."""
    module = THIRD_PARTY_MODULES.get(name)
    if module is None:
        return None
    if importlib.util.find_spec(module) is None:
        return f"{name} not installed"
    try:
        importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - a broken install, noted
        return f"{name} does not import ({type(exc).__name__}: {exc})"
    return None


# -- how each kind of pool is driven -----------------------------------------

class ProcessPoolPeer:
    """One process pool, as the process workloads use it.

    ``open_pool(workers)`` makes the pool, a context manager that shuts it
    down; a subclass says how to ``submit`` one call on it and how
    ``wait_all`` learns each call's end. ``map`` and ``latencies`` wrap
    those in the pool's life. ``map_label`` / ``submit_label`` say in the
    table's notes what ran (with ``{workers}`` for the worker count; the
    third-party ones go by their package's name, "loky(2).map"; the module
    docstring says which class that is).
    """

    def __init__(self, name, open_pool, map_label=None, submit_label=None):
        self.name = name
        self.open_pool = open_pool
        self.map_label = map_label
        self.submit_label = submit_label

    def map(self, workers, fn, items):
        with self.open_pool(workers) as pool:
            return list(self.map_on(pool, fn, items))

    def map_latencies(self, workers, fn, items):
        """(results, seconds from the map call to each result reaching
        the caller), over the pool's life."""
        results, seen_at = [], []
        with self.open_pool(workers) as pool:
            started = time.perf_counter()
            for result in self.map_on(pool, fn, items):
                seen_at.append(time.perf_counter() - started)
                results.append(result)
        return results, seen_at

    def map_on(self, pool, fn, items):
        return pool.map(fn, items)

    def latencies(self, workers, fn, args):
        with self.open_pool(workers) as pool:
            submitted_at = []
            handles = []
            for arg in args:
                submitted_at.append(time.perf_counter())
                handles.append(self.submit(pool, fn, arg, len(handles)))
            done_at = self.wait_all(handles)
        return [done_at[index] - started
                for index, started in enumerate(submitted_at)]

    def submit(self, pool, fn, arg, index):
        """Start fn(arg), the ``index``-th call; a handle for wait_all."""
        raise NotImplementedError

    def wait_all(self, handles):
        """Wait for every call; {index: perf_counter when seen done}."""
        raise NotImplementedError


class FuturesPeer(ProcessPoolPeer):
    """A pool whose submit gives futures, waited for with ``as_completed``
    (concurrent.futures' unless the pool has its own)."""

    def __init__(self, name, open_pool, map_label=None, submit_label=None,
                 as_completed=concurrent.futures.as_completed):
        super().__init__(name, open_pool, map_label, submit_label)
        self.as_completed = as_completed

    def submit(self, pool, fn, arg, index):
        return pool.submit(fn, arg)

    def wait_all(self, futures):
        index_of = {future: index for index, future in enumerate(futures)}
        done_at = {}
        for future in self.as_completed(futures):
            done_at[index_of[future]] = time.perf_counter()
            future.result()
        return done_at


class PebblePeer(FuturesPeer):
    """pebble.ProcessPool: map (chunksize 1, its default) gives a future of
    an iterator; schedule gives a future."""

    def map_on(self, pool, fn, items):
        return pool.map(fn, items).result()

    def submit(self, pool, fn, arg, index):
        return pool.schedule(fn, args=(arg,))


def _mark_done(done_at, index, _result):
    done_at[index] = time.perf_counter()


class CallbackPeer(ProcessPoolPeer):
    """A pool without futures (multiprocessing.Pool, mpire): apply_async,
    whose callback, run in the pool's result thread as each result
    arrives, marks the time. Its map is the pool's own, chunking as the
    pool likes."""

    def latencies(self, workers, fn, args):
        self.done_at = {}
        return super().latencies(workers, fn, args)

    def submit(self, pool, fn, arg, index):
        return pool.apply_async(fn, (arg,), callback=functools.partial(
            _mark_done, self.done_at, index))

    def wait_all(self, handles):
        for handle in handles:
            handle.get()
        return self.done_at


class ImapPeer(CallbackPeer):
    """multiprocessing.Pool's imap (chunksize 1, its default): results in
    order as each arrives, where its map gives them all at the end."""

    def map_on(self, pool, fn, items):
        return pool.imap(fn, items)


# -- the pools ---------------------------------------------------------------

def _multiprocessing_pool(workers):
    import multiprocessing
    return multiprocessing.Pool(workers)


def _loky_executor(workers):
    # A fresh one per run, not loky.get_reusable_executor(), whose warm
    # workers a later run would inherit.
    import loky
    return loky.ProcessPoolExecutor(max_workers=workers)


def _pebble_pool(workers):
    import pebble
    return pebble.ProcessPool(max_workers=workers)


def _mpire_pool(workers):
    import mpire
    return mpire.WorkerPool(n_jobs=workers)


POOL = CallbackPeer("Pool", _multiprocessing_pool,
                    "multiprocessing.Pool({workers}).map",
                    "multiprocessing.Pool({workers}).apply_async")
# The same pool's imap, for the map workloads that time each result.
POOL_IMAP = ImapPeer("Pool.imap", _multiprocessing_pool,
                     "multiprocessing.Pool({workers}).imap",
                     "multiprocessing.Pool({workers}).apply_async")

# name -> peer, in the order the notes list them.
THIRD_PARTY = {peer.name: peer for peer in (
    FuturesPeer("loky", _loky_executor,
                "loky({workers}).map", "loky({workers}).submit"),
    PebblePeer("pebble", _pebble_pool, "pebble({workers}).map",
               "pebble({workers}).schedule"),
    CallbackPeer("mpire", _mpire_pool, "mpire({workers}).map",
                 "mpire({workers}).apply_async"),
)}

# What a process workload runs on: the two compared, then the references.
PROCESS_IMPLS = ("stdlib", "cfutures", "Pool", *THIRD_PARTY)
# The map workloads that time each result: Pool's imap too.
PROCESS_MAP_IMPLS = ("stdlib", "cfutures", "Pool", "Pool.imap", *THIRD_PARTY)


def process_pool(impl):
    """The ProcessPoolPeer for what a case was handed."""
    if isinstance(impl, ProcessPoolPeer):
        return impl
    if impl is MPPOOL:
        return POOL
    return FuturesPeer(impl.__name__, impl.ProcessPoolExecutor,
                       as_completed=impl.as_completed)


def labels(kind):
    """impl name -> what its note calls it, for ``kind`` 'map' or 'submit'
    (with ``{workers}`` left for the harness to fill in)."""
    attribute = f"{kind}_label"
    return {peer.name: getattr(peer, attribute)
            for peer in (POOL, POOL_IMAP, *THIRD_PARTY.values())}
