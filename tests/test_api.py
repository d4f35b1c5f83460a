"""The public API: names, signatures, shared exception classes, defaults."""
import concurrent.futures
import concurrent.futures.thread
import inspect
import re
import threading
import types

import pytest

import cfutures
import cfutures.thread
from support import LONG

FUTURE_METHODS = (
    "cancel", "cancelled", "running", "done", "result", "exception",
    "add_done_callback", "set_running_or_notify_cancel", "set_result",
    "set_exception",
)
EXECUTOR_METHODS = ("submit", "map", "shutdown")


def stdlib_signature(owner, name):
    """The running Python's signature, or 3.14's where that one differs."""
    if name == "map":
        # Python 3.14: Executor.map(self, fn, *iterables, timeout=None,
        #                           chunksize=1, buffersize=None)
        return "(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None)"
    return str(inspect.signature(getattr(owner, name)))


class TestNames:
    def test_all_covers_the_stdlib(self):
        expected = set(concurrent.futures.__all__) | {"InvalidStateError"}
        # 3.14-only and out of scope.
        expected.discard("InterpreterPoolExecutor")
        assert expected <= set(cfutures.__all__)

    def test_every_name_in_all_exists(self):
        for name in cfutures.__all__:
            assert hasattr(cfutures, name), name
        assert len(set(cfutures.__all__)) == len(cfutures.__all__)

    def test_star_import(self):
        namespace = {}
        exec("from cfutures import *", namespace)
        for name in concurrent.futures.__all__:
            if name != "InterpreterPoolExecutor":
                assert name in namespace, name
        assert "InvalidStateError" in namespace

    @pytest.mark.parametrize("name", [
        "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"])
    def test_constants(self, name):
        assert getattr(cfutures, name) == getattr(concurrent.futures, name)

    def test_thread_module_all(self):
        assert {"ThreadPoolExecutor", "BrokenThreadPool"} <= set(
            cfutures.thread.__all__)


# What cfutures' classes add to the stdlib's public names: README.md's
# "Options the stdlib lacks" and "Backpressure, progress and statistics"
# (and the stubs, src/cfutures/__init__.pyi). Anything else public on a
# class is a leaked internal.
DOCUMENTED_EXTRAS = {
    "Future": set(),
    "Executor": set(),
    "ThreadPoolExecutor": {"statistics", "try_submit"},
    "ProcessPoolExecutor": {"statistics", "try_submit", "submit_with",
                            # 3.14's, on every Python.
                            "terminate_workers", "kill_workers"},
    # A subclass of cfutures' thread pool.
    "InterpreterPoolExecutor": {"statistics", "try_submit"},
}


def public_names(cls):
    return {name for name in dir(cls) if not name.startswith("_")}


class TestNothingLeaked:
    @pytest.mark.parametrize("name", sorted(DOCUMENTED_EXTRAS))
    def test_public_names_are_the_stdlibs_and_the_documented(self, impl, name):
        if (name == "InterpreterPoolExecutor"
                and not hasattr(concurrent.futures, name)):
            pytest.skip("InterpreterPoolExecutor is 3.14's")
        stdlib = public_names(getattr(concurrent.futures, name))
        extras = DOCUMENTED_EXTRAS[name] if impl.accelerated else set()
        # The fallback serves the stdlib's classes, so it adds nothing.
        assert public_names(getattr(impl.module, name)) == stdlib | extras


class TestExceptionsAreTheStdlibs:
    @pytest.mark.parametrize("name", [
        "CancelledError", "TimeoutError", "InvalidStateError",
        "BrokenExecutor"])
    def test_identity(self, name):
        assert getattr(cfutures, name) is getattr(concurrent.futures, name)

    def test_broken_thread_pool(self):
        assert (cfutures.thread.BrokenThreadPool
                is concurrent.futures.thread.BrokenThreadPool)
        assert issubclass(cfutures.thread.BrokenThreadPool,
                          cfutures.BrokenExecutor)

    def test_cfutures_raises_what_the_stdlib_catches(self, impl):
        f = impl.Future()
        f.cancel()
        with pytest.raises(concurrent.futures.CancelledError):
            f.result()
        g = impl.Future()
        with pytest.raises(concurrent.futures.TimeoutError):
            g.result(timeout=0)
        g.set_result(1)
        with pytest.raises(concurrent.futures.InvalidStateError):
            g.set_result(2)


def without_self_marker(signature):
    """An unbound method's signature with ``self`` as a Python def has it.

    Methods written in C (cfutures' Future, as _asyncio.Future's) take
    ``self`` positionally only, ``(self, /, timeout=None)``; the other
    parameters, and every bound method's signature, match the stdlib's.
    """
    params = list(signature.parameters.values())
    if params and params[0].name == "self":
        params[0] = params[0].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return str(signature.replace(parameters=params))


class TestSignatures:
    @pytest.mark.parametrize("name", FUTURE_METHODS)
    def test_future_methods(self, impl, name):
        assert without_self_marker(inspect.signature(getattr(impl.Future, name))) \
            == stdlib_signature(concurrent.futures.Future, name)

    @pytest.mark.parametrize("name", FUTURE_METHODS)
    def test_bound_future_methods(self, impl, name):
        assert inspect.signature(getattr(impl.Future(), name)) == \
            inspect.signature(getattr(concurrent.futures.Future(), name))

    def test_future_constructor(self, impl):
        assert inspect.signature(impl.Future) == inspect.signature(
            concurrent.futures.Future)

    @pytest.mark.parametrize("name", EXECUTOR_METHODS)
    @pytest.mark.parametrize("cls", ["Executor", "ThreadPoolExecutor"])
    def test_executor_methods(self, impl, cls, name):
        assert str(inspect.signature(getattr(getattr(impl, cls), name))) == \
            stdlib_signature(getattr(concurrent.futures, cls), name)

    def test_thread_pool_constructor(self, impl):
        # The stdlib's, then cfutures' keyword-only options (before
        # 3.14's **ctxkwargs); the fallback has its own Python's.
        stdlib = inspect.signature(concurrent.futures.ThreadPoolExecutor)
        if impl.accelerated:
            params = list(stdlib.parameters.values())
            extra = [inspect.Parameter("max_pending", inspect.Parameter.KEYWORD_ONLY,
                                       default=None),
                     inspect.Parameter("time_statistics", inspect.Parameter.KEYWORD_ONLY,
                                       default=False)]
            at = len(params) - (params[-1].kind is inspect.Parameter.VAR_KEYWORD)
            stdlib = stdlib.replace(parameters=params[:at] + extra + params[at:])
        assert inspect.signature(impl.ThreadPoolExecutor) == stdlib

    @pytest.mark.parametrize("name", EXECUTOR_METHODS)
    def test_process_pool_methods(self, impl, name):
        assert str(inspect.signature(getattr(impl.ProcessPoolExecutor, name))) \
            == stdlib_signature(concurrent.futures.ProcessPoolExecutor, name)

    def test_process_pool_constructor(self, impl):
        # Python 3.14's, then cfutures' keyword-only options (whose
        # defaults are the stdlib's behaviour); the stdlib fallback has its
        # own Python's (no max_tasks_per_child before 3.11).
        expected = ("(max_workers=None, mp_context=None, initializer=None, "
                    "initargs=(), *, max_tasks_per_child=None, "
                    "task_timeout=None, on_worker_death='break', "
                    "max_worker_memory=None, idle_timeout=None, pickler=None, "
                    "max_pending=None, time_statistics=False)")
        if not impl.accelerated:
            expected = str(inspect.signature(
                concurrent.futures.ProcessPoolExecutor))
        assert str(inspect.signature(impl.ProcessPoolExecutor)) == expected

    def test_process_pool_3_14_methods(self, accel):
        # cfutures-only: the stdlib fallback has its own Python's API.
        for name in ("terminate_workers", "kill_workers"):
            assert str(inspect.signature(
                getattr(accel.ProcessPoolExecutor, name))) == "(self)"

    @pytest.mark.parametrize("name", ["wait", "as_completed"])
    def test_functions(self, impl, name):
        assert inspect.signature(getattr(impl, name)) == \
            inspect.signature(getattr(concurrent.futures, name))

    @pytest.mark.parametrize("name", ["submit", "map", "shutdown"])
    def test_executor_methods_have_docstrings(self, impl, name):
        assert getattr(impl.ThreadPoolExecutor, name).__doc__


class TestGenerics:
    def test_future_subscript(self, impl):
        alias = impl.Future[int]
        assert isinstance(alias, types.GenericAlias)
        assert alias.__origin__ is impl.Future
        assert alias.__args__ == (int,)

    def test_future_annotation_in_function(self, impl):
        def f(x: impl.Future[str]) -> impl.Future[list[int]]:
            return x
        assert f.__annotations__["x"].__args__ == (str,)


class TestDefaults:
    def test_default_max_workers(self, impl):
        reference = concurrent.futures.ThreadPoolExecutor()
        ex = impl.ThreadPoolExecutor()
        try:
            assert ex._max_workers == reference._max_workers
        finally:
            ex.shutdown()
            reference.shutdown()

    def test_explicit_max_workers(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=3)
        try:
            assert ex._max_workers == 3
        finally:
            ex.shutdown()

    def test_default_thread_names(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            name = ex.submit(
                lambda: threading.current_thread().name).result(LONG)
        assert re.fullmatch(r"ThreadPoolExecutor-\d+_0", name), name

    def test_default_thread_names_differ_per_pool(self, impl):
        names = []
        for _ in range(2):
            with impl.ThreadPoolExecutor(max_workers=1) as ex:
                names.append(ex.submit(
                    lambda: threading.current_thread().name).result(LONG))
        assert names[0] != names[1]
        for name in names:
            assert re.fullmatch(r"ThreadPoolExecutor-\d+_0", name), name

    def test_thread_name_prefix(self, impl):
        with impl.ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="worker-pool") as ex:
            barrier = threading.Barrier(2, timeout=LONG)

            def name():
                barrier.wait()   # both tasks on their own thread
                return threading.current_thread().name
            names = sorted(f.result(LONG)
                           for f in [ex.submit(name), ex.submit(name)])
        assert names == ["worker-pool_0", "worker-pool_1"]

    def test_worker_threads_are_not_daemons(self, impl):
        # The stdlib's workers are non-daemon since 3.9 (joined at exit).
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            daemon = ex.submit(
                lambda: threading.current_thread().daemon).result(LONG)
        assert daemon is False

    def test_executor_is_a_stdlib_executor(self, impl):
        assert issubclass(impl.ThreadPoolExecutor, concurrent.futures.Executor)
        assert issubclass(impl.Executor, concurrent.futures.Executor)
