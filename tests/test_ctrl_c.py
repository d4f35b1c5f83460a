"""A real Ctrl-C: SIGINT, with Python's own handler, to the whole process
group of a program whose main thread is blocked in ``result()``,
``wait()``, ``as_completed()`` or a ``map``, as a terminal sends it.

The program ends as plain Python does on an uncaught KeyboardInterrupt
(the traceback, then death by SIGINT), its ``with`` block's shutdown waits
for the running call (released by the test), and no process of its group
is left behind. Thread and process pools, both implementations.
"""
import os
import signal
import subprocess
import sys

import pytest

from support import LONG, SCRIPT_PROLOGUE, TESTS_DIR, wait_until

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux",
                       reason="reads thread states from /proc"),
    pytest.mark.timeout(120),
]

PROGRAM = """
import signal
# Python ignores SIGINT when it started ignoring it (a job started in the
# background by a shell without job control): handle it as a terminal does.
signal.signal(signal.SIGINT, signal.default_int_handler)
import children
kind, blocker, started, release = sys.argv[1:]
pool = (cfutures.ThreadPoolExecutor(2) if kind == "thread"
        else cfutures.ProcessPoolExecutor(2))
with pool:
    if blocker == "map":
        results = pool.map(children.touch_and_wait, [started], [release])
    else:
        future = pool.submit(children.touch_and_wait, started, release)
    children.wait_for_file(started)
    print("blocking", flush=True)
    if blocker == "result":
        future.result()
    elif blocker == "wait":
        cfutures.wait([future])
    elif blocker == "as_completed":
        next(cfutures.as_completed([future]))
    else:
        list(results)
print("not interrupted", flush=True)
"""


def main_thread_sleeps(pid):
    """True while the main thread of ``pid`` is blocked in the kernel."""
    with open(f"/proc/{pid}/stat") as stat:
        # The state follows the command name, which is in parentheses.
        return stat.read().rsplit(")", 1)[1].split()[0] == "S"


def group_is_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("blocker", ["result", "wait", "as_completed", "map"])
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_ctrl_c_ends_the_blocked_program(impl, kind, blocker, tmp_path):
    prologue = SCRIPT_PROLOGUE.format(tests_dir=TESTS_DIR,
                                      accelerated=impl.accelerated)
    started, release = str(tmp_path / "started"), str(tmp_path / "release")
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    # The test reads the output through its own opening of each file: a
    # seek on the handle the program writes through would move the
    # program's write offset too (one open file, shared across fork).
    with open(out_path, "w") as out, open(err_path, "w") as err:
        program = subprocess.Popen(
            [sys.executable, "-c", prologue + PROGRAM, kind, blocker,
             started, release],
            stdout=out, stderr=err, env=impl.env(), start_new_session=True)
    try:
        def blocking():
            return ("blocking" in out_path.read_text()
                    and main_thread_sleeps(program.pid))
        wait_until(lambda: blocking() or program.poll() is not None)
        assert program.poll() is None, "the program ended by itself"
        os.killpg(program.pid, signal.SIGINT)
        open(release, "w").close()
        try:
            returncode = program.wait(LONG)
        except subprocess.TimeoutExpired:
            state = (f"stdout: {out_path.read_text()!r}\n"
                     f"stderr: {err_path.read_text()!r}")
            if not impl.accelerated and kind == "process":
                # The oracle's own bug: a stdlib worker that the group's
                # SIGINT interrupts inside one of its queue's locks leaves
                # the pool deadlocked at shutdown (seen under load in CI).
                pytest.xfail("the stdlib's process pool hung after Ctrl-C\n" + state)
            raise AssertionError("the program hung after Ctrl-C\n" + state)
    finally:
        if program.poll() is None:
            os.killpg(program.pid, signal.SIGKILL)
            program.wait()
    wait_until(lambda: group_is_gone(program.pid))
    stdout, stderr = out_path.read_text(), err_path.read_text()
    assert "not interrupted" not in stdout
    assert returncode == -signal.SIGINT, stderr
    assert stderr.rstrip().endswith("KeyboardInterrupt"), stderr
