"""cfutures.progress(): a progress bar over work in flight.

``progress(work)`` returns an iterator over what ``work`` yields, and shows
a bar of how much of it has finished:

* a collection of futures (a list, a set, ...): the bar follows each
  future's done-callback, so it moves as work finishes, whatever the order
  of iteration (iterating yields the futures in the collection's order);
* the iterator of an executor's ``map`` (cfutures' or the stdlib's), when
  its futures are known up front (no ``buffersize``): the same, through
  the futures behind it;
* the iterator of ``as_completed`` (cfutures' or the stdlib's) over a
  collection of futures, before it starts: the same, through the futures
  it was given (it yields each as it completes);
* any other iterable (a lazy ``map``, ``as_completed`` over an iterator):
  one step per item yielded.

The bar is tqdm's when tqdm is installed (``pip install 'cfutures[progress]'``;
``tqdm_options`` go to it), otherwise one line on stderr rewritten at most
ten times a second. It closes when the work is all done and iterated, on an
exception, on ``close()`` (a ``break`` out of a ``for`` loop, then the
iterator's collection) or at the end of a ``with`` block.
"""
import importlib
import sys
import threading
import time
from concurrent.futures import Future as _StdlibFuture

# tqdm's bar class, None without tqdm (the line below stands in), or
# _UNKNOWN until the first bar: tqdm.auto costs 50 ms or more to import
# (asyncio, importlib.metadata), which importing cfutures must not pay.
_UNKNOWN = object()
_tqdm = _UNKNOWN

_REFRESH_SECONDS = 0.1


def progress(work, *, total=None, desc=None, **tqdm_options):
    """Iterate over ``work`` (futures, or a map/as_completed iterator)
    while a bar shows how much of it has finished; see the module's doc."""
    return Progress(work, total, desc, tqdm_options)


class Progress:
    """The iterator progress() returns."""

    def __init__(self, work, total, desc, tqdm_options):
        self._lock = threading.Lock()
        self._closed = False      # close() ran
        self._bar_closed = False  # the bar is closed (all done, or close())
        self._done = 0
        weighted = _futures_behind(work)
        if total is None:
            if weighted is not None:
                if all(weight is not None for _, weight in weighted):
                    total = sum(weight for _, weight in weighted)
            else:
                try:
                    total = len(work)
                except TypeError:
                    total = None
        self._total = total
        self._bar = _make_bar(total, desc, tqdm_options)
        self._per_item = weighted is None
        self._iterator = iter(work)
        if weighted is not None:
            for future, weight in weighted:
                future.add_done_callback(_Advance(self, weight))

    @property
    def total(self):
        """The steps the bar counts to (None: unknown)."""
        return self._total

    @property
    def done(self):
        """The steps finished so far."""
        return self._done

    def __iter__(self):
        return self

    def __next__(self):
        try:
            item = next(self._iterator)
        except BaseException:
            self.close()
            raise
        if self._per_item:
            self.advance(1)
        return item

    def advance(self, steps):
        with self._lock:
            self._done += steps
            if self._bar_closed:
                return
            self._bar.update(steps)
            if self._total is not None and self._done >= self._total:
                # All finished: the bar is done, iterated or not.
                self._bar_closed = True
                self._bar.close()

    def close(self):
        """Close the bar (and the iterator of ``work``, if it has close())."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self._bar_closed:
                self._bar_closed = True
                self._bar.close()
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Advance:
    """A done-callback: move the bar ``weight`` steps."""
    __slots__ = ("bar", "weight")

    def __init__(self, bar, weight):
        self.bar = bar
        self.weight = weight

    def __call__(self, future):
        weight = self.weight
        if weight is None:   # a chunk: as many steps as it has results
            try:
                weight = len(future.result())
            except BaseException:
                weight = 1
        self.bar.advance(weight)


def _futures_behind(work):
    """[(future, items it stands for)] behind ``work``, or None if unknown;
    a weight of None: the length of the future's result (a chunk)."""
    own = getattr(work, "_progress_futures", None)
    if own is not None:   # cfutures' map iterators
        return own()
    if isinstance(work, (list, tuple, set, frozenset)) and all(
            isinstance(f, _StdlibFuture) for f in work):
        return [(future, 1) for future in work]
    given = _as_completed_futures(work)
    if given is not None:
        return given
    frame = getattr(work, "gi_frame", None)
    if frame is None:
        return None
    # A map's generator, not started: the stdlib's (result_iterator) or
    # cfutures' per-item one; its futures are all submitted already unless
    # a buffersize submits them as it goes.
    name = frame.f_code.co_name
    local = frame.f_locals
    if name == "_chain_from_iterable_of_lists":
        # A process pool's map in chunks (the stdlib's, or cfutures' with a
        # chunksize): each future answers a list of its chunk's results.
        inner = _futures_behind(local.get("iterable"))
        return None if inner is None else [(future, None) for future, _ in inner]
    if name == "result_iterator":
        fs = local.get("fs")
    elif (name == "_map_results"
          and frame.f_globals.get("__name__") == "cfutures._executor"):
        fs = local.get("pending")
    else:
        return None
    if fs is None or local.get("buffersize") or work.gi_running:
        return None
    futures = list(fs)
    if not all(isinstance(f, _StdlibFuture) for f in futures):
        return None
    return [(future, 1) for future in futures]


def _as_completed_futures(work):
    """[(future, 1)] for each future an as_completed() iterator not started
    will yield (cfutures' or the stdlib's), or None: the bar then follows
    them as they finish, though the loop sees them one by one."""
    waiting = sys.modules.get("cfutures._core.future._waiting")   # loaded if in use
    if waiting is not None and isinstance(work, waiting.AsCompleted):
        fs = work._futures   # None once started
    else:   # the stdlib's generator, not started: its argument
        frame = getattr(work, "gi_frame", None)
        if (frame is None or frame.f_code.co_name != "as_completed"
                or frame.f_globals.get("__name__") != "concurrent.futures._base"
                or _started(work)):
            return None
        fs = frame.f_locals.get("fs")
    if fs is None or iter(fs) is fs:   # an iterator: reading it would use it up
        return None
    futures = list(dict.fromkeys(fs))   # as_completed yields each one once
    if not all(isinstance(f, _StdlibFuture) for f in futures):
        return None
    return [(future, 1) for future in futures]


def _started(generator):
    suspended = getattr(generator, "gi_suspended", None)
    if suspended is None:   # before 3.11
        return generator.gi_frame.f_lasti >= 0
    return suspended or generator.gi_running


def _tqdm_class():
    global _tqdm
    if _tqdm is _UNKNOWN:
        try:   # by name: tqdm is optional, and so are its type stubs
            _tqdm = importlib.import_module("tqdm.auto").tqdm
        except ImportError:
            _tqdm = None
    return _tqdm


def _make_bar(total, desc, tqdm_options):
    if _tqdm_class() is not None:
        return _tqdm(total=total, desc=desc, **tqdm_options)
    return _LineBar(total, desc)


class _LineBar:
    """tqdm's stand-in: ``desc: 40/100 (40%) 12.5/s ETA 4.8s`` on stderr."""

    def __init__(self, total, desc):
        self.total = total
        self.desc = desc
        self.count = 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.stream = sys.stderr
        self.show(force=True)

    def update(self, steps):
        self.count += steps
        self.show(force=self.total is not None and self.count >= self.total)

    def show(self, force=False):
        now = time.monotonic()
        if not force and now - self.shown < _REFRESH_SECONDS:
            return
        self.shown = now
        elapsed = now - self.started
        rate = self.count / elapsed if elapsed > 0 else 0.0
        text = f"{self.desc}: " if self.desc else ""
        if self.total:
            text += f"{self.count}/{self.total} ({100 * self.count // self.total}%)"
        else:
            text += f"{self.count}"
        text += f" {rate:.1f}/s"
        if self.total and rate > 0 and self.count < self.total:
            text += f" ETA {(self.total - self.count) / rate:.1f}s"
        try:
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
        except (OSError, ValueError):
            pass   # stderr closed: the work goes on without a bar

    def close(self):
        self.show(force=True)
        try:
            self.stream.write("\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass
