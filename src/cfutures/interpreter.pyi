import sys

if sys.version_info >= (3, 14):
    from concurrent.futures.interpreter import (
        BrokenInterpreterPool as BrokenInterpreterPool,
    )

    from cfutures import InterpreterPoolExecutor as InterpreterPoolExecutor

    __all__ = ["InterpreterPoolExecutor", "BrokenInterpreterPool"]
