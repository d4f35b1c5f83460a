"""Build the Cython core of cfutures.

Every extension lives in ``cfutures._core``; ``csrc/`` holds the C helpers that
the ``.pyx`` files include.
"""
import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
CORE = HERE / "src" / "cfutures" / "_core"
CSRC = "csrc"

COMPILER_DIRECTIVES = {
    "language_level": 3,
    "initializedcheck": False,
    "cdivision": True,
    "embedsignature": True,
    # The core relies on the GIL for atomicity (see _future.pyx).
    "freethreading_compatible": False,
}


def core_extensions():
    extensions = []
    for pyx in sorted(CORE.glob("*.pyx")):
        extensions.append(
            Extension(
                f"cfutures._core.{pyx.stem}",
                [str(pyx.relative_to(HERE))],
                include_dirs=[CSRC],
                depends=[str(p) for p in (HERE / CSRC).glob("*.h")],
                extra_compile_args=["-O2"],
            )
        )
    return extensions


setup(
    ext_modules=cythonize(
        core_extensions(),
        compiler_directives=COMPILER_DIRECTIVES,
        annotate=bool(os.environ.get("CFUTURES_ANNOTATE")),
    ),
)
