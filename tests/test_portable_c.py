"""The C helpers' portable layer (csrc/cf_portable.h) builds as strict C11
with every compiler found here, and works.

GCC and Clang compile tests/csrc/portable_check.c with ``-std=c11 -Wall
-Wextra -pedantic -Werror`` and run it; MinGW-w64 (Debian's
gcc-mingw-w64-x86-64) cross-compiles it for Windows, which checks the
Windows branches (QueryPerformanceCounter, SwitchToThread, the x86
intrinsics) compile; nothing runs it there. The test command installs the
compilers; a compiler that is missing skips its case, saying so.
"""
import os
import shutil
import subprocess

import pytest

from support import TESTS_DIR

ROOT = os.path.dirname(TESTS_DIR)
SOURCE = os.path.join(TESTS_DIR, "csrc", "portable_check.c")
STRICT = ["-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2"]

COMPILERS = {
    "gcc": ("gcc", True),
    "clang": ("clang", True),
    "mingw-w64": ("x86_64-w64-mingw32-gcc", False),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(COMPILERS))
def test_cf_portable_builds_as_strict_c11(name, tmp_path):
    command, runs_here = COMPILERS[name]
    if shutil.which(command) is None:
        pytest.skip(f"{command} is not installed here (the test command "
                    "installs it with apt-get where it can)")
    program = tmp_path / ("portable_check" + ("" if runs_here else ".exe"))
    built = subprocess.run(
        [command, *STRICT, "-I", os.path.join(ROOT, "csrc"), SOURCE,
         "-o", str(program)],
        capture_output=True, text=True, timeout=100)
    assert built.returncode == 0 and not built.stderr, built.stderr
    if runs_here:
        ran = subprocess.run([str(program)], capture_output=True, text=True,
                             timeout=30)
        assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stdout
