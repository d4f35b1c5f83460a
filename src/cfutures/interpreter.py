"""cfutures.interpreter: what ``concurrent.futures.interpreter`` offers
(3.14+), from the implementation cfutures serves (see
cfutures._implementation). Like the stdlib module, absent before 3.14."""
from ._core.shared._stdlib import HAS_INTERPRETERS

if not HAS_INTERPRETERS:
    raise ImportError("cfutures.interpreter needs Python 3.14 or newer, "
                      "as concurrent.futures.interpreter does")

from ._implementation import implementation as _implementation
from ._core.shared._stdlib import BrokenInterpreterPool

InterpreterPoolExecutor = _implementation.InterpreterPoolExecutor

__all__ = ["InterpreterPoolExecutor", "BrokenInterpreterPool"]

# CFUTURES_INSTALL=1 waits for an import that brought concurrent.futures in.
from . import _install_if_asked  # noqa: E402
_install_if_asked(__name__)
del _install_if_asked
