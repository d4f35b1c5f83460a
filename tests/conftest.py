"""Shared fixtures of the behavioural suite.

Every behavioural test takes the ``impl`` fixture and so runs twice: once
against the stdlib implementation (``cfutures._fallback``, id ``stdlib``),
which shows what is right, and once against the compiled one
(``cfutures._accelerated``, id ``cfutures``). A test of what only the
compiled implementation has (API the running stdlib lacks, or behaviour in
which cfutures does better than the stdlib) takes ``accel`` instead: the
compiled implementation alone, loaded the same way.

CFUTURES_TEST_IMPLS (names, comma-separated) runs only those variants
(``cfutures`` for a quicker run by hand under a sanitizer, say).

If the compiled implementation cannot be imported, its variant FAILS, unless
``CFUTURES_NO_EXTENSIONS=1`` is set, in which case it is skipped.

Blocking waits inside tests always carry a timeout (mostly ``support.LONG``),
so a bug shows as a failed assertion rather than a hung run; pytest-timeout
(its default is in pyproject.toml) is the last resort.
"""
import importlib
import os

import pytest

import cfutures
from support import IMPL_MODULES, NO_EXTENSIONS, Gate, Impl, non_fork_context


def load_impl(name):
    """The Impl for ``name``, a key of IMPL_MODULES (fails or skips the test
    when it cannot be imported, as the module docstring says)."""
    try:
        module = importlib.import_module(IMPL_MODULES[name])
    except ImportError as exc:
        if name == "cfutures" and NO_EXTENSIONS:
            pytest.skip(f"compiled core unavailable and CFUTURES_NO_EXTENSIONS "
                        f"is set: {exc}")
        pytest.fail(f"cannot import {IMPL_MODULES[name]}: {exc!r}")
    return Impl(name, module)


def chosen_impls():
    """The implementations the ``impl`` fixture runs over."""
    names = [name.strip() for name in
             os.environ.get("CFUTURES_TEST_IMPLS", "").split(",") if name.strip()]
    unknown = sorted(set(names) - set(IMPL_MODULES))
    if unknown:
        raise pytest.UsageError(f"CFUTURES_TEST_IMPLS names {unknown}; "
                                f"known: {sorted(IMPL_MODULES)}")
    return names or list(IMPL_MODULES)


@pytest.fixture(params=chosen_impls(), ids=chosen_impls())
def impl(request):
    """Each implementation in turn: ``stdlib``, then ``cfutures``."""
    return load_impl(request.param)


@pytest.fixture
def accel():
    """The compiled implementation only, for cfutures-only tests."""
    return load_impl("cfutures")


@pytest.fixture
def executor(impl):
    """A two-worker thread pool of ``impl``, shut down after the test
    (cancelling what still waits)."""
    ex = impl.ThreadPoolExecutor(max_workers=2)
    yield ex
    ex.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def gate():
    """A Gate, opened at teardown so no task stays blocked."""
    g = Gate()
    yield g
    g.open()


def pytest_report_header(config):
    return [f"cfutures: {cfutures.__file__} EXTENSIONS={cfutures.EXTENSIONS} "
            f"CFUTURES_NO_EXTENSIONS="
            f"{os.environ.get('CFUTURES_NO_EXTENSIONS')!r}"]


@pytest.fixture(params=["thread", "process"])
def make_pool(request, accel):
    """Each of cfutures' pools in turn, for options both have:
    ``make_pool(max_workers, **options)`` (a process pool starts without
    fork); ``make_pool.kind`` is "thread" or "process"."""
    def make(max_workers, **options):
        if request.param == "thread":
            return accel.ThreadPoolExecutor(max_workers, **options)
        return accel.ProcessPoolExecutor(max_workers, mp_context=non_fork_context(),
                                         **options)
    make.kind = request.param
    return make
