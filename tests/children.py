"""What pool workers run: module-level callables only.

Workers started by spawn or forkserver find a callable by importing its
module, so every test that sends work to a worker process (directly, or
from a script that ``support.run_script`` runs) takes it from here. This
module imports neither pytest nor cfutures, so that a worker imports little.
"""
import multiprocessing.context
import os
import signal
import threading
import time

from support import LONG


def double(x):
    return 2 * x


def identity(x):
    return x


def add(a, b=0, *, c=0):
    return a + b + c


def getpid(_=None):
    """The worker's pid; the argument is ignored (for map())."""
    return os.getpid()


class CustomError(Exception):
    """An exception with a second argument and an attribute to rebuild."""

    def __init__(self, message, code=None):
        super().__init__(message, code)
        self.code = code


def raise_custom(code):
    # Raised one frame down, so the remote traceback shows two frames.
    def inner():
        raise CustomError("worker failed", code)
    inner()


def raise_base(kind):
    """Raise SystemExit(3) for ``"exit"``, else KeyboardInterrupt."""
    if kind == "exit":
        raise SystemExit(3)
    raise KeyboardInterrupt()


class NotRebuildable(Exception):
    """Pickles fine, but cannot be unpickled (its __init__ wants 2 args)."""

    def __init__(self, a, b):
        super().__init__(a)


def raise_not_rebuildable():
    raise NotRebuildable(1, 2)


def return_lock():
    """A result that cannot be pickled."""
    return threading.Lock()


def wait_for_file(path, value=None, timeout=LONG):
    """Block until ``path`` exists (polling), then return ``value``: a task
    that holds still until the test lets it go."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.005)
    return value


def slow_at(i, slow_i, release):
    """2 * i, at once unless i == slow_i: that one waits for ``release``."""
    if i == slow_i:
        wait_for_file(release)
    return 2 * i


def touch_and_wait(started, release, value=None):
    """Create the file ``started``, then wait for ``release``; returns
    ``value``."""
    with open(started, "w"):
        pass
    return wait_for_file(release, value)


def die(how, flag=None):
    """End the worker without a reply: SIGKILL for ``"sigkill"``, else
    os._exit(7); first waits for the file ``flag`` if one is given."""
    if flag is not None:
        wait_for_file(flag)
    if how == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(7)


# What init_worker stored in this worker.
_initialized = None


def first_starts_others_wait(marker, release):
    """An initializer: the first worker to run it goes on, every other one
    holds until ``release`` exists (a worker still starting)."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        wait_for_file(release)


def init_worker(value):
    global _initialized
    _initialized = value


def read_initialized(_=None):
    """What init_worker stored; the argument is ignored (for map())."""
    return _initialized


def failing_initializer():
    raise ValueError("initializer failed")


def sizes(*chunks, **named):
    """The lengths of the arguments, positional first, then named ones as
    sorted (name, length) pairs."""
    return [len(c) for c in chunks] + sorted((k, len(v)) for k, v in named.items())


def types_of(*values):
    """The type names of the arguments, as the worker received them."""
    return [type(v).__name__ for v in values]


def fail_at(i, bad_i):
    """i, unless i == bad_i: that one raises CustomError(i)."""
    if i == bad_i:
        raise CustomError(f"item {i}", i)
    return i


def fail_if_negative(i):
    """i, unless negative: then CustomError(i)."""
    if i < 0:
        raise CustomError(f"item {i}", i)
    return i


def lock_at(i, bad_i):
    """i, unless i == bad_i: that one returns a result that cannot be pickled."""
    return threading.Lock() if i == bad_i else i


def record_then_wait(i, folder, release, waiting_i=0):
    """Record that item ``i`` ran (a file in ``folder``); item ``waiting_i``
    then waits for ``release``. Returns i."""
    with open(os.path.join(folder, str(i)), "w"):
        pass
    if i == waiting_i:
        wait_for_file(release)
    return i


def spin(n):
    """About n loop turns of pure-Python work; returns n."""
    total = 0
    for k in range(n):
        total += k
    return n


def record_once_then(i, folder, seconds, held_i=None, release=None):
    """Record that item ``i`` ran, in ``folder`` (a second run of it raises
    FileExistsError), sleep ``seconds``; item ``held_i`` then waits for
    ``release``. Returns i; an item that is a number below 0 raises
    CustomError."""
    with open(os.path.join(folder, str(i)), "x"):
        pass
    time.sleep(seconds)
    if i == held_i:
        wait_for_file(release)
    return fail_if_negative(i) if isinstance(i, int) else i


def meet_in(i, folder, first, last, timeout=LONG):
    """i at once, unless ``first`` <= i <= ``last``: such an item records
    its worker's pid in ``folder`` and waits until items of two workers
    have (True), or ``timeout`` passed (False, and the others give up at
    once)."""
    if not first <= i <= last:
        return i
    with open(os.path.join(folder, f"{i}.{os.getpid()}"), "x"):
        pass
    gave_up = os.path.join(folder, "gave-up")
    deadline = time.monotonic() + timeout
    while not os.path.exists(gave_up):
        pids = {name.split(".")[1] for name in os.listdir(folder)
                if "." in name}
        if len(pids) >= 2:
            return True
        if time.monotonic() > deadline:
            open(gave_up, "a").close()
            break
        time.sleep(0.002)
    return False


def fail_or_hold(i, bad_i, held_i, release):
    """i; item ``bad_i`` raises CustomError, item ``held_i`` first waits
    for ``release``."""
    if i == held_i:
        wait_for_file(release)
    return fail_at(i, bad_i)


def spin_then(i, n):
    """spin(n), then fail_if_negative(i)."""
    spin(n)
    return fail_if_negative(i)


class Dummy:
    """A result that weak references can watch."""

    def __init__(self, value):
        self.value = value


def make_dummy(value):
    return Dummy(value)


class FailingStartProcess(multiprocessing.context.SpawnProcess):
    """A spawn Process of which only ``starts_left`` more start() calls
    (counted in the parent) succeed; later ones raise OSError."""
    starts_left = 0

    def start(self):
        if type(self).starts_left <= 0:
            raise OSError("no more worker processes may start (test)")
        type(self).starts_left -= 1
        super().start()


class FailingStartContext(multiprocessing.context.SpawnContext):
    """A spawn context whose processes are FailingStartProcess."""
    Process = FailingStartProcess


# -- test_stress.py: calls that record each run in shared memory ------------

_RUNS = None


def record_into(runs):
    """A worker initializer: where run_and_record() counts its runs."""
    global _RUNS
    _RUNS = runs


def run_and_record(i, fault=None):
    """Count this run of call ``i``; then return ``i``, or kill the worker
    as ``fault`` says (SIGKILL, os._exit, a segfault)."""
    _RUNS[i] += 1
    if fault == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == "exit":
        os._exit(3)
    elif fault == "segfault":
        import ctypes
        import faulthandler
        faulthandler.disable()   # the crash is the point: no report of it
        ctypes.string_at(0)
    return i


def write_ends_of_pipe(inode):
    """This process's descriptors for the pipe ``inode`` (found by the
    parent with os.fstat) not opened read-only: the worker's end of it."""
    ends = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") != f"pipe:[{inode}]":
                continue
            with open(f"/proc/self/fdinfo/{name}") as info:
                flags = int(info.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        if (flags & os.O_ACCMODE) != os.O_RDONLY:
            ends.append(int(name))
    return ends


def write_into_result_pipes(data, then_exit, inode):
    """Write ``data`` into this worker's result pipe (the pipe whose inode
    the parent passes: a test of what the parent does with a frame no
    worker writes), then return, or end the process at once with
    ``then_exit``."""
    for fd in write_ends_of_pipe(inode):
        os.write(fd, data)
    if then_exit:
        os._exit(0)
    return len(data)


def touch_sentinel_pipe(inode, how):
    """Write into (``how="write"``) or close (``how="close"``) this worker's
    end of the pipe whose inode is ``inode`` (its multiprocessing sentinel,
    found by the parent), then go on running and return: the sentinel then
    fires while the worker lives, as after a task that closes every
    descriptor. False if this worker holds no end of it."""
    ends = write_ends_of_pipe(inode)
    for fd in ends:
        if how == "write":
            os.write(fd, b"x")
        else:
            os.close(fd)
    return bool(ends)


def record_or_hang(i, hang_i, how="sleep"):
    """Count this run of item ``i`` (as run_and_record()); item ``hang_i``
    then runs for a minute, as run_for() says."""
    _RUNS[i] += 1
    if i == hang_i:
        run_for(60, how)
    return i


def record_or_sleep(i, seconds):
    """Count this run of item ``i`` (as run_and_record()), sleep ``seconds``."""
    _RUNS[i] += 1
    if seconds:
        time.sleep(seconds)
    return i


def run_for(seconds, how="sleep"):
    """Take ``seconds``, then return them: sleeping, spinning in Python, or
    blocking in C with the GIL released (``"c"``) or held (``"c-gil"``)."""
    if how == "sleep":
        time.sleep(seconds)
    elif how == "spin":
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pass
    else:
        import ctypes
        libc = ctypes.PyDLL(None) if how == "c-gil" else ctypes.CDLL(None)
        libc.usleep(int(seconds * 1_000_000))
    return seconds


def exit_at_start():
    """A worker initializer that ends its worker at once (a crash loop)."""
    os._exit(5)


def hold_memory(megabytes):
    """Keep ``megabytes`` MiB alive in this worker; return its pid."""
    global _HELD
    _HELD = bytearray(megabytes * 1024 * 1024)
    return os.getpid()


class CountingPickler:
    """A pickler object (not a module): pickle, counting its calls in a
    file, so a test sees it used in the parent and the workers."""

    def __init__(self, folder):
        self.folder = folder

    def _count(self, what):
        with open(os.path.join(self.folder, f"{what}-{os.getpid()}"), "a") as f:
            f.write(".")

    def dumps(self, obj):
        import pickle
        self._count("dumps")
        return pickle.dumps(obj)

    def loads(self, data):
        import pickle
        self._count("loads")
        return pickle.loads(data)


def big_bytes(n):
    return b"x" * n


def mark_initialized(folder):
    """An initializer: leaves a file named after this worker's pid."""
    import os
    open(os.path.join(folder, str(os.getpid())), "w").close()
