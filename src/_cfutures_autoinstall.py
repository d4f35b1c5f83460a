"""Installs cfutures at interpreter startup when ``CFUTURES_INSTALL`` asks.

The wheel ships ``cfutures_install.pth`` (an ``import`` line, read by every
Python before 3.18) and ``cfutures_install.start`` (its PEP 829 form, read
from 3.15 on, which then ignores the ``.pth``'s import line) beside the
packages; both call ``main()``. A top-level module of a few lines, so that an
interpreter that does not ask pays one environment look-up: cfutures (and
``concurrent.futures``) is imported only when it is asked for.
"""
import os

ENV = "CFUTURES_INSTALL"


def main():
    if os.environ.get(ENV, "") in ("", "0"):
        return
    try:
        import cfutures
        cfutures.install()
    except Exception as exc:   # never break the interpreter's startup
        import sys
        print(f"cfutures: {ENV} is set but install() failed: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
