"""The pytest-benchmark suite: every case of cases.py, per implementation.

Times are per task (per future, per item...): each round runs the case once
over N tasks and the case times its own measured region (pools are started
before, shut down after). pytest-benchmark gets that region divided by N
through a virtual clock that only advances by it, so its table reads
seconds per task directly. The warm-up, the medians and the summary table
are harness.py's, as for compare.py; the medians (CPU time per task, the
sleep case's wall / ideal, the bytes per queued task...) also go to
``extra_info`` (in --benchmark-json).
"""
import pytest

import cases
import harness


class VirtualClock:
    """A timer for pytest-benchmark that moves only when told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds

    __name__ = "per_task_virtual_clock"


CLOCK = VirtualClock()

PARAMS = [
    pytest.param(case, impl_name, id=f"{case.name}-{impl_name}")
    for case in cases.CASES
    for impl_name in case.impls
]


@pytest.mark.benchmark(timer=CLOCK, disable_gc=False, warmup=False)
@pytest.mark.parametrize(("case", "impl_name"), PARAMS)
def test_case(benchmark, bench_rounds, keep_record, case, impl_name):
    if not case.is_available():
        pytest.skip(f"{case.name} cannot run on this platform")
    missing = harness.missing(impl_name)
    if missing:
        # Kept, so that the summary table notes it ("loky not installed").
        record = harness.Record()
        record.missing = missing
        keep_record(case, harness.scaled_n(case), impl_name, record)
        pytest.skip(missing)
    impl = harness.implementations()[impl_name]
    n = harness.scaled_n(case)
    benchmark.group = f"{case.title} (per {case.unit}, N={n})"

    harness.warm_up(case, impl, n)
    record = harness.Record()

    def one_round():
        measurement = case.run(impl, n)
        record.add(measurement)
        CLOCK.advance(measurement.per_op)

    benchmark.pedantic(one_round, rounds=bench_rounds, iterations=1)
    keep_record(case, n, impl_name, record)

    medians = record.medians()
    info = benchmark.extra_info
    info["n"] = n
    info["unit"] = case.unit
    info["implementation"] = impl_name
    info["wall_per_op_s"] = medians.pop("wall_per_op")
    info["cpu_per_op_s"] = medians.pop("cpu_per_op")
    info.update(medians)
