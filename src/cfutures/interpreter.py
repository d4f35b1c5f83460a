"""cfutures.interpreter: what ``concurrent.futures.interpreter`` offers
(3.14+), from the implementation cfutures serves (see
cfutures._implementation). Like the stdlib module, absent before 3.14."""
from ._stdlib import HAS_INTERPRETERS

if not HAS_INTERPRETERS:
    raise ImportError("cfutures.interpreter needs Python 3.14 or newer, "
                      "as concurrent.futures.interpreter does")

from ._implementation import implementation as _implementation
from ._stdlib import BrokenInterpreterPool

InterpreterPoolExecutor = _implementation.InterpreterPoolExecutor

__all__ = ["InterpreterPoolExecutor", "BrokenInterpreterPool"]
