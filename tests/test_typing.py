"""Typing: mypy --strict over a user's program (tests/typing/user_program.py)
passes, with the types its reveal_type() comments expect; the stubs the wheel
ships agree with the runtime (mypy.stubtest). Skipped, saying so, when mypy
cannot be imported (the test command installs it)."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from support import NO_EXTENSIONS, TESTS_DIR

PROGRAM = os.path.join(TESTS_DIR, "typing", "user_program.py")

mypy = pytest.importorskip("mypy", reason="mypy is not installed here")


def run_mypy(*args):
    return subprocess.run([sys.executable, "-m", "mypy", *args],
                          capture_output=True, text=True, timeout=600,
                          cwd=os.path.join(TESTS_DIR, "typing"))


def expected_reveals():
    with open(PROGRAM) as source:
        return {number: match.group(1).strip()
                for number, line in enumerate(source, 1)
                for match in [re.search(r"# expect: (.*)$", line)] if match}


@pytest.mark.timeout(660)
def test_a_user_program_passes_mypy_strict_with_the_expected_types():
    done = run_mypy("--strict", "--no-incremental", "--cache-dir", os.devnull,
                    PROGRAM)
    notes = {int(m.group(1)): m.group(2) for m in re.finditer(
        r'user_program\.py:(\d+): note: Revealed type is "(.*)"', done.stdout)}
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert not errors, done.stdout
    assert notes == expected_reveals(), done.stdout


@pytest.mark.timeout(660)
@pytest.mark.skipif(NO_EXTENSIONS, reason="the stubs describe the compiled "
                    "cfutures; CFUTURES_NO_EXTENSIONS=1 serves the stdlib's")
def test_the_stubs_agree_with_the_runtime(tmp_path):
    allowlist = tmp_path / "allowlist.txt"
    with open(os.path.join(TESTS_DIR, "typing", "stubtest-allowlist.txt")) as f:
        allowed = f.read()
    if sys.version_info < (3, 14):   # as concurrent.futures.interpreter
        allowed += "\ncfutures\\.interpreter\n"
    if importlib.util.find_spec("distributed") is None:   # its extra is not installed
        allowed += "\ncfutures\\.distributed.*\n"
    allowlist.write_text(allowed)
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "cfutures",
         "--mypy-config-file", os.path.join(TESTS_DIR, "typing", "stubtest.ini"),
         "--allowlist", str(allowlist)],
        capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
