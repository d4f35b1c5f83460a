"""Pools that can't get what they need at start (a thread that can't be
started, descriptors that run out) and callbacks that misbehave (block,
raise). Each start fault raises the error where the stdlib raises it
(cfutures' process pool starts lazily, so at the first submit rather than
in the constructor), leaves nothing hanging, and a pool works again once
the resource is back; a misbehaving callback harms nothing but itself.
"""
import subprocess
import sys
import textwrap
import threading

import pytest

from support import LONG, TESTS_DIR

STARTER = ("_start_joinable_thread" if hasattr(threading, "_start_joinable_thread")
           else "_start_new_thread")


@pytest.mark.timeout(60)
def test_a_thread_that_cannot_start(impl, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("can't start new thread")
    pool = impl.ThreadPoolExecutor(2)
    with monkeypatch.context() as patch:
        patch.setattr(threading, STARTER, refuse)
        with pytest.raises(RuntimeError, match="can't start new thread"):
            pool.submit(abs, -1)
    # As the stdlib: the next submit starts a thread, which also runs what
    # the refused submit had queued; shutdown does not hang.
    assert pool.submit(abs, -2).result(LONG) == 2
    pool.shutdown(wait=True)


RUN_OUT_OF_FDS = """
import os, resource, faulthandler
faulthandler.dump_traceback_later(50, exit=True)
import {module} as impl
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE,
                   (len(os.listdir("/proc/self/fd")) + 3, hard))
try:
    pool = impl.ProcessPoolExecutor(2)
    pool.submit(abs, -1).result(30)
except OSError as exc:
    print("raised", exc.errno)
else:
    print("no error")
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
with impl.ProcessPoolExecutor(2) as again:
    print("again", again.submit(abs, -3).result(30))
"""


@pytest.mark.timeout(120)
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="counts descriptors in /proc")
def test_a_process_pool_out_of_descriptors(impl):
    import errno
    module = "concurrent.futures" if impl.name == "stdlib" else "cfutures"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN_OUT_OF_FDS.format(module=module))],
        capture_output=True, text=True, timeout=100, cwd=TESTS_DIR,
        env=impl.env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["raised", str(errno.EMFILE), "again", "3"], (
        done.stdout + done.stderr)


@pytest.mark.timeout(60)
def test_a_callback_that_blocks_holds_only_its_worker(impl):
    # Callbacks run in the thread that completes the future: one that blocks
    # holds that worker, and the pool's other workers carry on.
    gate, release, entered = (threading.Event() for _ in range(3))

    def block(future):
        entered.set()
        release.wait(LONG)
    with impl.ThreadPoolExecutor(2) as pool:
        # Not done before the callback is added (else it would run here).
        pool.submit(gate.wait, LONG).add_done_callback(block)
        gate.set()
        assert entered.wait(LONG)
        assert [f.result(LONG) for f in [pool.submit(abs, -i)
                                         for i in range(20)]] == list(range(20))
        release.set()


@pytest.mark.timeout(60)
def test_a_callback_that_raises_is_logged_and_the_rest_run(impl, caplog):
    calls = []
    with impl.ThreadPoolExecutor(2) as pool:
        future = pool.submit(abs, -1)
        future.add_done_callback(lambda f: 1 / 0)
        future.add_done_callback(lambda f: calls.append(f.result()))
        assert future.result(LONG) == 1
    assert calls == [1]
    assert any("exception calling callback" in r.getMessage()
               for r in caplog.records)
