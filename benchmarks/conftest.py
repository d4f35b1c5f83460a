"""pytest-benchmark plumbing for the cfutures suite (see test_benchmarks.py).

Run from the repository root, against an installed cfutures::

    pytest benchmarks/ --benchmark-only

``CFUTURES_BENCH_SCALE`` scales every case's N; ``CFUTURES_BENCH_ROUNDS``
sets the rounds per case (default 3). At the end the medians go through
harness.build_rows into the same table compare.py prints (with the CPU,
ideal and memory rows and the references pytest-benchmark has no column
for).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402
import harness  # noqa: E402
import runinfo  # noqa: E402
import table  # noqa: E402

# case name -> (N, {implementation name: harness.Record}), filled as the
# tests run, for the terminal summary.
_RECORDS = {}


@pytest.fixture(scope="session")
def keep_record():
    """keep_record(case, n, impl_name, record) for the summary table."""
    def keep(case, n, impl_name, record):
        _RECORDS.setdefault(case.name, (n, {}))[1][impl_name] = record
    return keep


@pytest.fixture(scope="session")
def bench_rounds():
    raw = os.environ.get("CFUTURES_BENCH_ROUNDS", "3")
    rounds = int(raw)
    if rounds < 1:
        raise ValueError("CFUTURES_BENCH_ROUNDS must be >= 1")
    return rounds


def pytest_report_header(config):
    cf = runinfo.cfutures_info()
    return (f"cfutures {cf['version']} from {cf['file']}, "
            f"EXTENSIONS={cf['extensions']}, "
            f"{harness.SCALE_ENV}={harness.env_scale():g}")


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["cfutures"] = runinfo.cfutures_info()
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["bench_scale"] = harness.env_scale()


def pytest_terminal_summary(terminalreporter):
    # In table order, whatever order the tests ran in.
    results = [harness.CaseResult(case, *_RECORDS[case.name])
               for case in cases.CASES if case.name in _RECORDS]
    if not results:
        return
    terminalreporter.section(
        "cfutures against the stdlib (medians over rounds)")
    for line in table.text_table(harness.build_rows(results)):
        terminalreporter.write_line(line)
    terminalreporter.write_line(table.LEGEND)
