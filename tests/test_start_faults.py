"""Pools that can't get what they need at start: a thread that can't be
started, descriptors that run out. Each raises the error where the stdlib
raises it (cfutures' process pool starts lazily, so at the first submit
rather than in the constructor), leaves nothing hanging, and a pool works
again once the resource is back.
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
