"""The process pool's pickler option (cfutures only): cloudpickle makes
lambdas, closures and interactively defined functions run under spawn and
forkserver; any object with dumps/loads serves; large buffers still
travel out of band."""
import multiprocessing
import os
import textwrap

import pytest

import children
from support import LONG, run_script

pytestmark = pytest.mark.timeout(120)

START_METHODS = [m for m in ("spawn", "forkserver", "fork")
                 if m in multiprocessing.get_all_start_methods()]


def needs_cloudpickle():
    return pytest.importorskip("cloudpickle", reason="cloudpickle is not installed")


@pytest.mark.parametrize("method", START_METHODS)
def test_cloudpickle_runs_lambdas_and_closures(accel, method):
    needs_cloudpickle()
    offset = 10
    def closure(x):
        return x + offset
    with accel.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method),
                                   pickler="cloudpickle") as pool:
        assert pool.submit(lambda: 42).result(LONG) == 42
        assert pool.submit(closure, 1).result(LONG) == 11
        assert list(pool.map(lambda x: x * 3, range(100), timeout=LONG)) == [
            3 * x for x in range(100)]
        # A result only cloudpickle can carry back.
        make = pool.submit(lambda k: (lambda y: y * k), 7).result(LONG)
        assert make(6) == 42
        # Exceptions still carry the worker's traceback.
        with pytest.raises(ZeroDivisionError) as caught:
            pool.submit(lambda: 1 / 0).result(LONG)
        assert "in <lambda>" in str(caught.value.__cause__)


def test_cloudpickle_runs_functions_of_main_under_spawn(accel, tmp_path):
    needs_cloudpickle()
    out = run_script(accel, textwrap.dedent("""
        import multiprocessing, cfutures
        def square(x):
            return x * x
        if __name__ == "__main__":
            ctx = multiprocessing.get_context("spawn")
            with cfutures.ProcessPoolExecutor(2, mp_context=ctx, pickler="cloudpickle") as pool:
                print(sum(pool.map(square, range(10))), pool.submit(lambda: "ok").result(30))
    """))
    assert out.stdout.split() == ["285", "ok"], out.stderr


def test_without_a_pickler_a_lambda_fails_as_in_the_stdlib(accel):
    import pickle
    with accel.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
            pool.submit(lambda: 1).result(LONG)
        assert pool.submit(children.double, 2).result(LONG) == 4


def test_any_object_with_dumps_and_loads_serves(accel, tmp_path):
    pickler = children.CountingPickler(str(tmp_path))
    with accel.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   pickler=pickler) as pool:
        worker = pool.submit(children.getpid).result(LONG)
        assert [pool.submit(children.double, i).result(LONG) for i in range(3)] == [0, 2, 4]
    names = os.listdir(tmp_path)
    assert f"dumps-{os.getpid()}" in names and f"loads-{os.getpid()}" in names
    assert f"dumps-{worker}" in names and f"loads-{worker}" in names


def test_big_buffers_round_trip_with_cloudpickle(accel):
    needs_cloudpickle()
    with accel.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   pickler="cloudpickle") as pool:
        data = pool.submit(children.big_bytes, 8 * 1024 * 1024).result(LONG)
        assert len(data) == 8 * 1024 * 1024 and data[:3] == b"xxx"
        assert pool.submit(len, b"y" * (4 * 1024 * 1024)).result(LONG) == 4 * 1024 * 1024


@pytest.mark.parametrize("pickler, error", [(42, TypeError), (object(), TypeError),
                                            ("no_such_pickler_module", ImportError)])
def test_bad_picklers_are_refused(accel, pickler, error):
    with pytest.raises(error):
        accel.ProcessPoolExecutor(1, pickler=pickler)
