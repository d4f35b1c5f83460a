"""An exception from a signal handler (KeyboardInterrupt, typically) while
the main thread iterates a map: it ends the iteration, as with the stdlib;
what the map had not started is cancelled once its iterator goes; the pool
still shuts down, with no hang. Thread and process pools, both
implementations. (result(), wait() and as_completed() are in
test_lifetime.py's TestSignals.)
"""
import os
import signal
import threading

import pytest

from children import record_then_wait
from support import LONG, wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_kill"),
                                reason="needs signal.pthread_kill")


class Interrupted(Exception):
    pass


@pytest.fixture
def interrupting_handler():
    """An Event set once the handler raised; later signals are ignored."""
    delivered = threading.Event()

    def handler(signum, frame):
        if not delivered.is_set():
            delivered.set()
            raise Interrupted
    previous = signal.signal(signal.SIGUSR1, handler)
    yield delivered
    signal.signal(signal.SIGUSR1, previous)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_an_interrupted_map_ends_and_the_pool_shuts_down(
        impl, kind, tmp_path, interrupting_handler):
    assert threading.current_thread() is threading.main_thread()
    folder, release = str(tmp_path), str(tmp_path / "release")
    pool = (impl.ThreadPoolExecutor(2) if kind == "thread"
            else impl.ProcessPoolExecutor(2))
    main = threading.main_thread().ident
    iterating = threading.Event()

    def interrupt_once_item_0_runs():
        iterating.wait(LONG)
        wait_until(lambda: os.path.exists(os.path.join(folder, "0")))
        # Until the handler ran: a signal that lands just before a wait
        # blocks may wait with it (with the stdlib too).
        for _ in range(int(LONG / 0.05)):
            signal.pthread_kill(main, signal.SIGUSR1)
            if interrupting_handler.wait(0.05):
                break
    sender = threading.Thread(target=interrupt_once_item_0_runs)
    sender.start()
    try:
        results = pool.map(record_then_wait, range(200), [folder] * 200,
                           [release] * 200)
        with pytest.raises(Interrupted):
            iterating.set()   # from here on the interrupt is expected
            for _ in results:
                pass
        results.close()   # what has not started is cancelled
    finally:
        open(release, "w").close()
        sender.join(LONG)
        pool.shutdown(wait=True)
    ran = {int(name) for name in os.listdir(folder) if name.isdigit()}
    assert 0 in ran
