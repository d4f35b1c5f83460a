"""A process pool's options are checked once and carried as one frozen
value: the executor's ProcessPoolOptions, and the WorkerOptions each worker
is started with."""
import pytest

from support import NO_EXTENSIONS

pytestmark = pytest.mark.skipif(NO_EXTENSIONS, reason="the compiled pool's")


def test_options_are_one_frozen_value_down_to_the_workers():
    import cfutures
    from cfutures._core.shared._options import ProcessPoolOptions, WorkerOptions
    with cfutures.ProcessPoolExecutor(
            2, initializer=abs, initargs=(-1,), task_timeout=30,
            max_worker_memory=1 << 40, pickler="cloudpickle") as pool:
        assert pool.submit(abs, -3).result(timeout=60) == 3
        supervisor = pool._dispatcher.state.supervisor
        options, worker = supervisor.options, supervisor.worker_options
    assert type(options) is ProcessPoolOptions
    assert (options.max_workers, options.initializer, options.initargs,
            options.task_timeout, options.max_worker_memory) == (
        2, abs, (-1,), 30.0, 1 << 40)
    assert type(worker) is WorkerOptions
    # A call with a time limit must not lose a result a kill would drop.
    assert (worker.initializer, worker.initargs, worker.max_memory,
            worker.eager_results) == (abs, (-1,), 1 << 40, True)
    assert worker.serializer is options.serializer is not None
    with pytest.raises(AttributeError):
        options.max_workers = 3
    with pytest.raises(AttributeError):
        worker.max_memory = 0


def test_the_checks_raise_in_the_stdlibs_order():
    import concurrent.futures as std
    import cfutures
    # max_workers is checked before the initializer, in both.
    for pool in (std.ProcessPoolExecutor, cfutures.ProcessPoolExecutor):
        with pytest.raises(ValueError, match="max_workers must be greater than 0"):
            pool(0, initializer="not callable")
        with pytest.raises(TypeError, match="initializer must be a callable"):
            pool(1, initializer="not callable")
