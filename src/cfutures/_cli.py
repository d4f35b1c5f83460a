"""``python -m cfutures``: run a program with cfutures installed, or say
what cfutures can do here.

    python -m cfutures run script.py [args...]
    python -m cfutures run -m module [args...]
    python -m cfutures info

``run`` installs cfutures (``cfutures.install()``) for the program, as
the start-up hook does: right after the program (or anything it runs)
imports ``concurrent.futures``, at once if that happened already; a program
that never does pays nothing. It sets ``CFUTURES_INSTALL=1`` for the processes it starts:
spawn and forkserver workers and ``subprocess`` children of the same
interpreter install it at their startup, through the .pth/.start files the
wheel ships (``_cfutures_autoinstall``). The program then runs as ``python
script.py`` or ``python -m module`` runs it: ``__name__ == "__main__"``,
``sys.argv``, ``sys.path[0]``, its exit status, and a traceback that shows
only its own frames.
"""
import os
import sys

USAGE = """\
usage: python -m cfutures run script.py [args...]
       python -m cfutures run -m module [args...]
       python -m cfutures info

run   run a program with cfutures serving concurrent.futures, in the
      processes it starts too (CFUTURES_INSTALL=1)
info  the version, whether the compiled core is live (and why not), this
      Python, and what install() replaces
"""


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "run":
        return run(rest)
    if command == "info":
        print(info_text())
        return 0
    print(f"python -m cfutures: unknown command {command!r}\n\n{USAGE}",
          end="", file=sys.stderr)
    return 2


def info_text():
    import platform

    import cfutures
    from cfutures._implementation import (
        FALLBACK_REASON, PROCESS_FALLBACK_REASON)
    from cfutures._substitute import replaced_names
    from _cfutures_autoinstall import ENV

    startup = startup_file()
    if cfutures.EXTENSIONS:
        core = "live"
    else:
        core = f"not live: {FALLBACK_REASON}; serving the stdlib"
    lines = [
        f"cfutures {cfutures.__version__} ({os.path.dirname(cfutures.__file__)})",
        f"compiled core: {core}",
        "process pool: " + ("the stdlib's (its compiled transport is not "
                            f"here: {PROCESS_FALLBACK_REASON})"
                            if PROCESS_FALLBACK_REASON else
                            "compiled" if cfutures.EXTENSIONS else "the stdlib's"),
        f"Python: {platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        f"installed in this process: {'yes' if cfutures.installed() else 'no'}",
        f"{ENV}: {os.environ.get(ENV, 'unset')}; startup hook: "
        + (startup or "missing (the switch and run's child processes do "
                      "nothing here)"),
        "install() replaces:" if cfutures.EXTENSIONS
        else "install() replaces nothing while the core is not live; it would replace:",
    ]
    lines += [f"  {name}" for name in replaced_names()]
    return "\n".join(lines)


def startup_file():
    """The startup hook file this interpreter reads, or None."""
    import site
    import sysconfig

    folders = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    for folder in folders:
        path = os.path.join(folder, "cfutures_install.pth")
        if os.path.exists(path):
            return path
    return None


def run(args):
    if not args or (args[0] == "-m" and len(args) < 2):
        print(USAGE, end="", file=sys.stderr)
        return 2
    from _cfutures_autoinstall import ENV, install_on_import

    os.environ[ENV] = "1"
    install_on_import()
    try:
        if args[0] == "-m":
            return run_module(args[1], args[2:])
        return run_script(args[0], args[1:])
    except SystemExit:
        raise
    except BaseException as exc:
        return report(exc)


def run_module(name, args):
    import importlib.util
    import runpy
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError) as exc:
        found, why = None, exc
    else:
        why = f"No module named {name}"
    if found is None:
        print(f"{sys.executable}: {why}", file=sys.stderr)
        return 1
    sys.argv = [name, *args]   # run_module sets argv[0] to the file
    runpy.run_module(name, run_name="__main__", alter_sys=True)
    return 0


def run_script(path, args):
    """Run the file at ``path`` as ``python path args...`` does: a fresh
    ``__main__`` module (which stays: spawn workers find the program's
    functions through it), the script's folder first on sys.path, and
    ``sys.argv``. A folder or a zip file with a ``__main__.py`` goes
    through runpy, as the interpreter does for one."""
    if not os.path.exists(path):
        print(f"{sys.executable}: can't open file {os.path.abspath(path)!r}: "
              "[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    # As `python script.py`: the script's folder first on sys.path, not ours.
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    sys.argv = [path, *args]
    if not os.path.isfile(path) or _is_zip(path):
        import runpy
        sys.path[0] = path
        runpy.run_path(path, run_name="__main__")
        return 0
    import builtins
    import io
    import types
    from importlib.machinery import SourceFileLoader

    with io.open_code(path) as file:   # the bytes: compile() reads the coding line
        code = compile(file.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = SourceFileLoader("__main__", path)
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    exec(code, main.__dict__)
    return 0


def _is_zip(path):
    with open(path, "rb") as file:
        return file.read(4) == b"PK\x03\x04"


def report(exc):
    """What the interpreter does with an uncaught exception, minus our frames."""
    import runpy
    ours = {os.path.abspath(__file__), os.path.abspath(runpy.__file__),
            "<frozen runpy>"}
    tb = exc.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename in ours
                              or os.path.abspath(
                                  tb.tb_frame.f_code.co_filename) in ours):
        tb = tb.tb_next
    exc.__traceback__ = tb
    sys.excepthook(type(exc), exc, tb)
    if isinstance(exc, KeyboardInterrupt):
        import signal
        # As the interpreter: end by SIGINT, so the parent sees a signal.
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return 1
