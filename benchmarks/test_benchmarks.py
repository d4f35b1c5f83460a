"""The pytest-benchmark suite: every case of cases.py, per implementation.

Times are per task (per future, per item...): each round runs the case once
over N tasks and the case times its own measured region (pools are started
before, shut down after). pytest-benchmark gets that region divided by N
through a virtual clock that only advances by it, so its table reads
seconds per task directly. CPU time per task, the sleep case's wall / ideal
ratio and the bytes per queued task go to ``extra_info`` (in --benchmark-json)
and to a summary at the end of the run.
"""
import pytest

import cases


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


def _fmt_time(seconds):
    return f"{seconds * 1e6:.3f} us"


@pytest.mark.benchmark(timer=CLOCK, disable_gc=False, warmup=False)
@pytest.mark.parametrize(("case", "impl_name"), PARAMS)
def test_case(benchmark, bench_rounds, record_reference, case, impl_name):
    if not case.is_available():
        pytest.skip(f"{case.name} cannot run on this platform")
    impl = cases.implementations()[impl_name]
    n = case.scaled_n()
    benchmark.group = f"{case.title} (per {case.unit}, N={n})"

    # A short untimed run first: imports, first thread starts, caches.
    case.run(impl, max(n // 20, 10))

    measurements = []

    def one_round():
        measurement = case.run(impl, n)
        measurements.append(measurement)
        CLOCK.advance(measurement.per_op)

    benchmark.pedantic(one_round, rounds=bench_rounds, iterations=1)

    median = cases.median_or_none
    info = benchmark.extra_info
    info["n"] = n
    info["unit"] = case.unit
    info["implementation"] = impl_name
    info["wall_per_op_s"] = median([m.per_op for m in measurements])
    info["cpu_per_op_s"] = median([m.cpu_per_op for m in measurements])
    for key in sorted({k for m in measurements for k in m.extra}):
        info[key] = median([m.extra.get(key) for m in measurements])

    if case.cpu_row:
        record_reference(case, impl_name, "CPU per roundtrip",
                         _fmt_time(info["cpu_per_op_s"]))
    if "wall_over_ideal" in info:
        record_reference(case, impl_name, "wall / ideal",
                         f"{info['wall_over_ideal']:.2f}x "
                         f"(ideal {info['ideal_seconds'] * 1e3:.1f} ms)")
    if "bytes_per_task" in info:
        record_reference(case, impl_name, "bytes per queued task",
                         f"{info['bytes_per_task']:.0f}")
    if impl_name in cases.REFERENCE_LABELS:
        label = cases.REFERENCE_LABELS[impl_name].format(
            workers=case.params.get("workers", ""))
        record_reference(case, impl_name, label,
                         _fmt_time(info["wall_per_op_s"]))
