"""Build the Cython core of cfutures.

Every extension lives in ``cfutures._core``; ``csrc/`` holds the C helpers that
the ``.pyx`` files include.
"""
import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

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
            )
        )
    return extensions


# Optimisation flags in each compiler's own spelling.
OPTIMIZE = {"msvc": ["/O2"]}
OPTIMIZE_DEFAULT = ["-O2"]


# CFUTURES_SANITIZE=address,undefined (any -fsanitize= list) builds the core
# for the sanitizer run of scripts/sanitize.sh: GCC and Clang only. The
# interpreter itself is not instrumented, so that run preloads the runtime.
SANITIZE = os.environ.get("CFUTURES_SANITIZE", "").strip()


def sanitizer_flags(compiler_type):
    if not SANITIZE:
        return [], []
    if compiler_type == "msvc":
        raise SystemExit("CFUTURES_SANITIZE needs GCC or Clang")
    # Every UBSan finding aborts, so a run that finds one fails.
    compile_flags = [f"-fsanitize={SANITIZE}", "-fno-sanitize-recover=all",
                     "-fno-omit-frame-pointer", "-g", "-O1"]
    return compile_flags, [f"-fsanitize={SANITIZE}"]


class BuildExtPerCompiler(build_ext):
    def build_extensions(self):
        flags = OPTIMIZE.get(self.compiler.compiler_type, OPTIMIZE_DEFAULT)
        sanitize_compile, sanitize_link = sanitizer_flags(
            self.compiler.compiler_type)
        for extension in self.extensions:
            extension.extra_compile_args = [*flags, *sanitize_compile,
                                            *extension.extra_compile_args]
            extension.extra_link_args = [*sanitize_link,
                                         *extension.extra_link_args]
        super().build_extensions()


# Startup hooks for CFUTURES_INSTALL=1 (see src/_cfutures_autoinstall.py):
# they go beside the packages, at the top of site-packages.
STARTUP_FILES = ("cfutures_install.pth", "cfutures_install.start")


class BuildPyWithStartupFiles(build_py):
    def run(self):
        super().run()
        for name in STARTUP_FILES:
            self.copy_file(str(HERE / "src" / name),
                           os.path.join(self.build_lib, name))

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode),
                *(os.path.join(self.build_lib, name) for name in STARTUP_FILES)]


setup(
    cmdclass={"build_py": BuildPyWithStartupFiles,
              "build_ext": BuildExtPerCompiler},
    ext_modules=cythonize(
        core_extensions(),
        compiler_directives=COMPILER_DIRECTIVES,
        annotate=bool(os.environ.get("CFUTURES_ANNOTATE")),
    ),
)
