"""What the parent does when a worker's result pipe carries what no worker
writes: garbage, a frame torn off by the worker's exit, or a frame whose
body never comes. cfutures' own wire (the stdlib's pool has another), on
Linux (the worker finds its pipe through /proc). Each ends the pool with
BrokenProcessPool, fails every call it owed, and never hangs.
"""
import multiprocessing
import os
import struct
import sys

import pytest

from concurrent.futures.process import BrokenProcessPool

from children import write_into_result_pipes
from support import LONG

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the worker finds its pipe in /proc")

HEADER = struct.Struct("=IIIIQ")   # kind, count, nbufs, 0, body_len
FRAME_RESULTS = 3   # _frames.pxd's FrameKind


@pytest.mark.timeout(60)
@pytest.mark.parametrize("data,then_exit", [
    (b"\xff" * 64, False),                                # garbage
    (HEADER.pack(FRAME_RESULTS, 1, 0, 0, 100)[:10], True),  # torn header
    (HEADER.pack(FRAME_RESULTS, 1, 0, 0, 100) + b"x", True),  # torn body
    (HEADER.pack(FRAME_RESULTS, 1, 0, 0, 5) + b"xxxxx", False),  # bad pickle
], ids=["garbage", "torn-header", "torn-body", "bad-pickle"])
def test_a_frame_no_worker_writes_breaks_the_pool(accel, data, then_exit):
    pool = accel.ProcessPoolExecutor(1)
    try:
        assert pool.submit(abs, -1).result(timeout=LONG) == 1
        (channel,) = pool._dispatcher.state.supervisor.channels
        inode = os.fstat(channel.result_fd).st_ino
        bad = pool.submit(write_into_result_pipes, data, then_exit, inode)
        others = []
        for i in range(20):
            try:   # the pool may already be broken: submit then says so
                others.append(pool.submit(abs, -i))
            except BrokenProcessPool:
                break
        with pytest.raises(BrokenProcessPool):
            bad.result(timeout=LONG)
        for future in others:
            try:
                future.result(timeout=LONG)
            except BrokenProcessPool:
                pass
        with pytest.raises(BrokenProcessPool):
            pool.submit(abs, 1).result(timeout=LONG)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
@pytest.mark.parametrize("method", [
    m for m in ("fork", "spawn")
    if m in multiprocessing.get_all_start_methods()])
@pytest.mark.parametrize("how", ["write", "close"])
def test_a_live_worker_that_fires_its_sentinel_is_a_death(accel, how, method):
    # multiprocessing's Process.join(timeout) waits on the sentinel, then
    # in a blocking waitpid(): a pool that joined such a worker would hang.
    # The stdlib's pool reads the sentinel as "terminated abruptly"; so
    # does ours, and the pool ends its workers and shuts down. Under fork
    # and spawn the worker holds the sentinel pipe's other end; under
    # forkserver the forkserver does, so that start method is not here.
    pool = accel.ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context(method))
    try:
        assert pool.submit(abs, -1).result(timeout=LONG) == 1
        (process,) = pool._processes.values()
        inode = os.fstat(process.sentinel).st_ino
        from children import touch_sentinel_pipe
        future = pool.submit(touch_sentinel_pipe, inode, how)
        try:
            outcome = future.result(timeout=LONG)
        except BrokenProcessPool:
            outcome = "broken"
        # Whether the call's result beat the sentinel is a race; either way
        # the pool is broken for what comes after.
        assert outcome in (True, "broken")
        with pytest.raises(BrokenProcessPool):
            for _ in range(50):
                pool.submit(abs, 1).result(timeout=LONG)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    assert not process.is_alive()
