"""Build the Cython core of cfutures.

Every extension lives in a subpackage of ``cfutures._core`` (by side: future,
thread, shared, parent, worker); ``csrc/`` holds the C helpers that the
``.pyx`` files include.
"""
import os
import runpy
import sys
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


# Which module is on which side, and the switch (src/cfutures/_sides.py).
SIDES = runpy.run_path(str(HERE / "src" / "cfutures" / "_sides.py"))


def process_transport_wanted():
    """Whether to build the process pool's side: it needs poll() and POSIX
    pipes, which Windows lacks; CFUTURES_PROCESS_TRANSPORT=0/1 decides."""
    switch = os.environ.get(SIDES["TRANSPORT_ENV"], "").strip()
    if switch:
        return switch != "0"
    return sys.platform != "win32"


def core_extensions():
    names = list(SIDES["THREAD_SIDE"])
    if process_transport_wanted():
        names += SIDES["PROCESS_SIDE"]
    else:
        print("cfutures: leaving the process transport out of the build: "
              "ProcessPoolExecutor will be the stdlib's", file=sys.stderr)
    sources = core_sources()
    if set(sources) != set(SIDES["THREAD_SIDE"]) | set(SIDES["PROCESS_SIDE"]):
        raise SystemExit("src/cfutures/_sides.py must name every compiled "
                         f"module of the core once: {sorted(sources)}")
    return [
        Extension(
            f"cfutures._core.{name}",
            [str(sources[name].relative_to(HERE))],
            include_dirs=[CSRC],
            depends=[str(p) for p in (HERE / CSRC).glob("*.h")],
        )
        for name in sorted(names)
    ]


def core_sources():
    """``<subpackage>.<module>`` -> its source: each .pyx, and each .py with
    a .pxd beside it (Cython's pure-Python mode: a module that also runs
    uncompiled, as _codec.py does for the Dask backend)."""
    sources = {}
    for source in sorted(CORE.rglob("*.pyx")) + sorted(CORE.rglob("*.py")):
        if source.suffix == ".py" and not source.with_suffix(".pxd").exists():
            continue
        sources[".".join(source.relative_to(CORE).with_suffix("").parts)] = source
    return sources


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
    """Each compiler's flags; and a module that fails to compile is left
    out, saying so, instead of failing the install: cfutures then serves
    the stdlib for that side, with a RuntimeWarning naming what is missing
    (cfutures._implementation)."""

    left_out = ()

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:   # CompileError, LinkError, a missing compiler
            print(f"cfutures: could not build {ext.name} ({exc}); it is left "
                  "out, and cfutures serves the stdlib where it is needed",
                  file=sys.stderr)
            self.left_out = (*self.left_out, ext.name)

    def _built(self):
        return [ext for ext in self.extensions if ext.name not in self.left_out]

    def copy_extensions_to_source(self):
        extensions, self.extensions = self.extensions, self._built()
        try:
            super().copy_extensions_to_source()
        finally:
            self.extensions = extensions

    def get_outputs(self):
        return [path for path in super().get_outputs()
                if os.path.exists(path) or not self.left_out]

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
