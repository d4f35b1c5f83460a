"""pytest-benchmark plumbing for the cfutures suite (see test_benchmarks.py).

Run from the repository root, against an installed cfutures::

    pytest benchmarks/ --benchmark-only

``CFUTURES_BENCH_SCALE`` scales every case's N; ``CFUTURES_BENCH_ROUNDS``
sets the rounds per case (default 3).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402

# (case title, implementation, label, value) lines for the terminal summary:
# the references pytest-benchmark's table has no column for.
_REFERENCES = []


@pytest.fixture(scope="session")
def record_reference():
    """record_reference(case, impl_name, label, value) for the summary."""
    def record(case, impl_name, label, value):
        _REFERENCES.append((case.title, impl_name, label, value))
    return record


def pytest_report_header(config):
    import cfutures
    return (f"cfutures {cfutures.__version__} from {cfutures.__file__}, "
            f"EXTENSIONS={cfutures.EXTENSIONS}, "
            f"{cases.SCALE_ENV}={cases.env_scale():g}")


def pytest_benchmark_update_machine_info(config, machine_info):
    import cfutures
    machine_info["cfutures"] = {
        "version": cfutures.__version__,
        "extensions": cfutures.EXTENSIONS,
        "file": cfutures.__file__,
    }
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["bench_scale"] = cases.env_scale()


def pytest_terminal_summary(terminalreporter):
    if not _REFERENCES:
        return
    terminalreporter.section("cfutures references (medians over rounds)")
    for title, impl_name, label, value in _REFERENCES:
        terminalreporter.write_line(
            f"{title:44} {impl_name:10} {label}: {value}")


@pytest.fixture(scope="session")
def bench_rounds():
    raw = os.environ.get("CFUTURES_BENCH_ROUNDS", "3")
    rounds = int(raw)
    if rounds < 1:
        raise ValueError("CFUTURES_BENCH_ROUNDS must be >= 1")
    return rounds
