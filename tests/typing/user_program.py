"""A user's program, type-checked with mypy --strict by test_typing.py.

Not run: only checked. Each reveal_type() line says what the checker must
infer (test_typing.py reads the expectations from the comments).
"""
from __future__ import annotations

import cfutures
from cfutures import (ALL_COMPLETED, Future, ProcessPoolExecutor,
                      ThreadPoolExecutor, as_completed, wait)


def square(x: int) -> int:
    return x * x


def program() -> int:
    assert cfutures.install() in (True, False)
    print(cfutures.installed())
    with ThreadPoolExecutor(max_workers=2) as executor:
        future = executor.submit(int)
        reveal_type(future)  # expect: cfutures.Future[int]
        squares: Future[int] = executor.submit(square, 3)
        total = sum(executor.map(square, range(10)))
        done, not_done = wait([future, squares], timeout=5,
                              return_when=ALL_COMPLETED)
        reveal_type(done)  # expect: set[concurrent.futures._base.Future[int]]
        for finished in as_completed(done):
            total += finished.result()
    with ProcessPoolExecutor() as processes:
        reveal_type(processes.submit(square, 2))  # expect: cfutures.Future[int]
        total += sum(processes.map(square, [1, 2], chunksize=2))
    cfutures.uninstall()
    return total + len(not_done)
