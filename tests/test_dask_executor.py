"""What only DaskExecutor has: its own cluster, a given client left open,
a dead worker named and survived, callbacks off the event loop, batching."""
import threading

import pytest

import suite_tasks as tasks
from support import LONG, callbacks_seen
from test_executor_suite import _need_distributed, dask_client  # noqa: F401


@pytest.fixture
def executor(dask_client):  # noqa: F811
    from cfutures.distributed import DaskExecutor
    ex = DaskExecutor(dask_client)
    yield ex
    ex.shutdown(wait=True, cancel_futures=True)


def test_futures_are_cfutures_futures(executor):
    import cfutures
    assert type(executor.submit(tasks.square, 2)) is cfutures.Future


def test_given_client_stays_open(dask_client):  # noqa: F811
    from cfutures.distributed import DaskExecutor
    with DaskExecutor(dask_client) as ex:
        assert ex.submit(tasks.square, 3).result(LONG) == 9
    assert dask_client.status == "running"
    assert dask_client.submit(tasks.square, 4).result(LONG) == 16


def test_own_local_cluster_is_loopback_and_closed():
    _need_distributed()
    from cfutures.distributed import DaskExecutor
    ex = DaskExecutor(n_workers=1, threads_per_worker=2)
    cluster = ex._owned[1]
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    # No dashboard; dask's small HTTP endpoint (health, metrics) and every
    # worker listen on loopback only.
    sockets = cluster.scheduler.http_server._sockets.values()
    assert {s.getsockname()[0] for s in sockets} == {"127.0.0.1"}
    assert all(address.startswith("tcp://127.0.0.1:")
               for address in cluster.scheduler_info["workers"])
    assert ex.submit(tasks.square, 5).result(LONG) == 25
    ex.shutdown(wait=True)
    assert ex.client.status == "closed"
    assert cluster.status.name == "closed"


def test_dead_worker_is_named_and_executor_goes_on(executor):
    from cfutures.distributed import DaskWorkerDied
    import concurrent.futures as std
    future = executor.submit(tasks.die)
    with pytest.raises(DaskWorkerDied) as caught:
        future.result(LONG)
    assert isinstance(caught.value, std.BrokenExecutor)
    assert caught.value.worker and caught.value.worker in str(caught.value)
    assert executor.submit(tasks.square, 7).result(LONG) == 49


def test_callbacks_never_run_on_the_event_loop(executor, dask_client):  # noqa: F811
    loop_thread = []
    got = threading.Event()

    def note():
        loop_thread.append(threading.get_ident())
        got.set()
    dask_client.loop.add_callback(note)
    assert got.wait(LONG)
    seen = callbacks_seen([executor.submit(tasks.square, i) for i in range(50)],
                          lambda future: threading.get_ident())
    assert loop_thread[0] not in seen


def test_small_calls_are_batched(executor):
    from cfutures.distributed import _tasks
    sent = []
    original = _tasks.InFlight.add

    def add(self, task):
        sent.append(task)
        return original(self, task)
    _tasks.InFlight.add = add
    try:
        futures = [executor.submit(tasks.square, i) for i in range(2000)]
        assert [f.result(LONG) for f in futures] == [i * i for i in range(2000)]
        assert list(executor.map(tasks.square, range(5000))) == \
            [i * i for i in range(5000)]
    finally:
        _tasks.InFlight.add = original
    assert len(sent) < 200
