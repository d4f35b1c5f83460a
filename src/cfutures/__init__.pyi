# Types of cfutures' public API: the stdlib's, with cfutures' own Future
# handed out by its executors (each class subclasses the stdlib one).
import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    ALL_COMPLETED as ALL_COMPLETED,
    FIRST_COMPLETED as FIRST_COMPLETED,
    FIRST_EXCEPTION as FIRST_EXCEPTION,
    BrokenExecutor as BrokenExecutor,
    CancelledError as CancelledError,
    InvalidStateError as InvalidStateError,
    TimeoutError as TimeoutError,
    as_completed as as_completed,
    wait as wait,
)
from concurrent.futures import Executor as _StdlibExecutor
from concurrent.futures import Future as _StdlibFuture
from concurrent.futures import ProcessPoolExecutor as _StdlibProcessPoolExecutor
from concurrent.futures import ThreadPoolExecutor as _StdlibThreadPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any, Literal, ParamSpec, TypeVar
from concurrent.futures.process import BrokenProcessPool as _BrokenProcessPool

_T = TypeVar("_T")
_P = ParamSpec("_P")

__version__: str
EXTENSIONS: bool

class Future(_StdlibFuture[_T]): ...

class Executor(_StdlibExecutor):
    def submit(self, fn: Callable[_P, _T], /, *args: _P.args,
               **kwargs: _P.kwargs) -> Future[_T]: ...
    # Python 3.14's map (buffersize) on every supported Python.
    def map(self, fn: Callable[..., _T], *iterables: Iterable[Any],
            timeout: float | None = None, chunksize: int = 1,
            buffersize: int | None = None) -> Iterator[_T]: ...

@dataclasses.dataclass(frozen=True)
class PoolStatistics:
    submitted: int
    started: int
    completed: int
    failed: int
    cancelled: int
    queued: int
    running: int
    workers_alive: int
    workers_started: int
    busy_seconds: float | None
    mean_queue_wait: float | None
    max_queue_wait: float | None
    mean_run_time: float | None

class ThreadPoolExecutor(Executor, _StdlibThreadPoolExecutor):
    if sys.version_info >= (3, 14):
        def __init__(self, max_workers: int | None = None,
                     thread_name_prefix: str = "",
                     initializer: Callable[..., object] | None = None,
                     initargs: tuple[Any, ...] = (), *,
                     max_pending: int | None = None,
                     time_statistics: bool = False,
                     **ctxkwargs: Any) -> None: ...
    else:
        def __init__(self, max_workers: int | None = None,
                     thread_name_prefix: str = "",
                     initializer: Callable[..., object] | None = None,
                     initargs: tuple[Any, ...] = (), *,
                     max_pending: int | None = None,
                     time_statistics: bool = False) -> None: ...
    def try_submit(self, fn: Callable[_P, _T], /, *args: _P.args,
                   **kwargs: _P.kwargs) -> Future[_T] | None: ...
    def statistics(self) -> PoolStatistics: ...

class ProcessPoolExecutor(Executor, _StdlibProcessPoolExecutor):
    # max_tasks_per_child (3.11's) on every supported Python.
    def __init__(self, max_workers: int | None = None,
                 mp_context: BaseContext | None = None,
                 initializer: Callable[..., object] | None = None,
                 initargs: tuple[Any, ...] = (), *,
                 max_tasks_per_child: int | None = None,
                 # cfutures' options (cfutures/_pool_options.py).
                 task_timeout: float | None = None,
                 on_worker_death: Literal["break", "replace"] = "break",
                 max_worker_memory: int | None = None,
                 idle_timeout: float | None = None,
                 pickler: Any = None,
                 max_pending: int | None = None,
                 time_statistics: bool = False) -> None: ...
    def try_submit(self, fn: Callable[_P, _T], /, *args: _P.args,
                   **kwargs: _P.kwargs) -> Future[_T] | None: ...
    def statistics(self) -> PoolStatistics: ...
    def submit_with(self, fn: Callable[..., _T], /, *args: Any,
                    task_timeout: float | None = None,
                    **kwargs: Any) -> Future[_T]: ...
    def map(self, fn: Callable[..., _T], *iterables: Iterable[Any],
            timeout: float | None = None, chunksize: int = 1,
            buffersize: int | None = None) -> Iterator[_T]: ...
    # Python 3.14's, on every supported Python.
    def terminate_workers(self) -> None: ...
    def kill_workers(self) -> None: ...

if sys.version_info >= (3, 14):
    from concurrent.futures import (
        InterpreterPoolExecutor as _StdlibInterpreterPoolExecutor,
    )

    class InterpreterPoolExecutor(ThreadPoolExecutor,
                                  _StdlibInterpreterPoolExecutor):
        # The stdlib's signature (the thread pool's options are not in it).
        def __init__(self, max_workers: int | None = None,
                     thread_name_prefix: str = "",
                     initializer: Callable[..., object] | None = None,
                     initargs: tuple[Any, ...] = ()) -> None: ...

class WorkerProcessDied(_BrokenProcessPool):
    pid: int | None
    exitcode: int | None
    def __init__(self, message: str, pid: int | None = ...,
                 exitcode: int | None = ...) -> None: ...

def get_reusable_executor(max_workers: int | None = None,
                          **options: Any) -> ProcessPoolExecutor: ...

class _Progress(Iterator[_T]):
    @property
    def total(self) -> int | None: ...
    @property
    def done(self) -> int: ...
    def __next__(self) -> _T: ...
    def close(self) -> None: ...
    def __enter__(self) -> _Progress[_T]: ...
    def __exit__(self, *exc_info: object) -> None: ...

def progress(work: Iterable[_T], *, total: int | None = None,
             desc: str | None = None, **tqdm_options: Any) -> _Progress[_T]: ...

def install() -> bool: ...
def uninstall() -> None: ...
def installed() -> bool: ...

__all__ = [
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED",
    "CancelledError", "TimeoutError", "InvalidStateError", "BrokenExecutor",
    "Future", "Executor", "wait", "as_completed",
    "ProcessPoolExecutor", "ThreadPoolExecutor",
]
if sys.version_info >= (3, 14):
    __all__ += ["InterpreterPoolExecutor"]
