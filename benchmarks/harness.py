"""How the cases are measured and reported, for compare.py and pytest alike.

- implementations: what is compared (stdlib, cfutures), the multiprocessing
  references, with the labels the table gives them, and the third-party
  process pools of peers.py (noted as missing where not installed);
- sizing: the scale setting, a case's N and its warm-up size;
- measuring: ``Record`` (the samples of one case on one implementation, their
  medians and spread) and ``measure`` (warm-up, then repeats taking turns);
- reporting: ``build_rows`` turns measured cases into table rows (the
  case's metric, its CPU / ideal / floor / extra rows, notes on errors,
  noise and references), written with the ``fmt_*`` number formats.
"""
# Both imported at the top, as a program using either one has it: under the
# forkserver start method the server preloads __main__'s imports, so the
# workers of both pools start with their library loaded.
import concurrent.futures
import dataclasses
import faulthandler
import os

import cfutures

import peers
from casekit import MPPOOL, THREADPOOL

# -- implementations ---------------------------------------------------------

# The two the table compares, in column order.
COMPARED = ("stdlib", "cfutures")

# What each reference is, for the table's notes (a case's own ``labels``
# come first).
REFERENCE_LABELS = {
    "ThreadPool": "ThreadPool({workers}).map(chunksize=1)",
    "Pool": "multiprocessing.Pool({workers}).imap(chunksize=1)",
    **{name: name for name in peers.THIRD_PARTY},
}


def implementations():
    """Name -> implementation object, in table order."""
    return {
        "stdlib": concurrent.futures,
        "cfutures": cfutures,
        "ThreadPool": THREADPOOL,
        "Pool": MPPOOL,
        "Pool.imap": peers.POOL_IMAP,
        **peers.THIRD_PARTY,
    }


def missing(impl_name):
    """Why the implementation cannot run here ("loky not installed"), or
    None when it can."""
    return peers.missing(impl_name)


# -- sizing ------------------------------------------------------------------

SCALE_ENV = "CFUTURES_BENCH_SCALE"


def env_scale():
    """The scale from $CFUTURES_BENCH_SCALE (1 when unset)."""
    raw = os.environ.get(SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        raise ValueError(
            f"{SCALE_ENV} must be a number, not {raw!r}") from None
    if not scale > 0:
        raise ValueError(f"{SCALE_ENV} must be > 0, not {raw!r}")
    return scale


def scaled_n(case, scale=None):
    """The case's N at ``scale`` (default: the environment's)."""
    if not case.scaled:
        return case.n
    if scale is None:
        scale = env_scale()
    return max(int(case.n * scale), 10)


def warmup_n(n):
    """The N of the short untimed run before a case's measurements.

    It gets first thread starts, caches and lazy imports out of the way.
    """
    return max(n // 20, 10)


def warm_up(case, impl, n):
    case.run(impl, warmup_n(n))


# -- measuring ---------------------------------------------------------------

# The entries of a sample itself (per op, and the wall time of the whole
# measured region); any other key is looked up in its "extra".
_SAMPLE_KEYS = ("wall_per_op", "cpu_per_op", "seconds")

# max/min of a case's samples above which the table flags it as noisy
NOISY_SPREAD = 1.5


def median(values):
    """The median of the values that are not None (None if there are none)."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class Record:
    """The samples of one case on one implementation, and its error if any.

    ``missing`` says why an implementation did not run at all (a reference
    that is not installed); it is not an error.
    """

    def __init__(self):
        self.samples = []
        self.error = None
        self.missing = None

    def add(self, measurement):
        self.samples.append({
            "wall_per_op": measurement.per_op,
            "cpu_per_op": measurement.cpu_per_op,
            "seconds": measurement.seconds,
            "extra": measurement.extra,
        })

    def values(self, key):
        """``key`` of every sample (None where a sample lacks it)."""
        if key in _SAMPLE_KEYS:
            return [sample[key] for sample in self.samples]
        return [sample["extra"].get(key) for sample in self.samples]

    def medians(self):
        """Wall and CPU per op, wall of the region and every extra entry;
        None if no samples."""
        if not self.samples:
            return None
        extras = sorted({key for s in self.samples for key in s["extra"]})
        return {key: median(self.values(key))
                for key in (*_SAMPLE_KEYS, *extras)}

    def median(self, key):
        medians = self.medians()
        return None if medians is None else medians.get(key)

    def spread(self, key):
        """(min, max) of ``key`` over the samples; Nones below two."""
        values = [v for v in self.values(key) if v is not None]
        if len(values) < 2:
            return None, None
        return min(values), max(values)

    def as_dict(self):
        """The record as JSON data: samples, error, missing and medians."""
        return {"samples": self.samples, "error": self.error,
                "missing": self.missing, "median": self.medians()}


@dataclasses.dataclass
class CaseResult:
    """One case as measured: its N and a Record per implementation."""

    case: object
    n: int
    records: dict


def measure(case, impl_names, n, repeats, timeout, log):
    """Run ``case`` for each implementation, taking turns; a CaseResult.

    Each implementation gets a warm-up run first; then every repeat runs
    each of them once, in alternating order so neither always goes first.
    One that is not installed is recorded as missing and skipped; one that
    fails is recorded with its error and not run again; one measurement
    running past ``timeout`` seconds aborts the process with every thread's
    traceback. ``log`` gets a line before each run ("stdlib 2/5").
    """
    impls = implementations()
    records = {name: Record() for name in impl_names}
    for name in impl_names:
        records[name].missing = missing(name)
    ready = [name for name in impl_names if records[name].missing is None]
    for name in ready:
        log(f"{name} warm-up")
        _guarded(case, impls[name], warmup_n(n), timeout, records[name])
    for repeat in range(repeats):
        order = ready if repeat % 2 == 0 else ready[::-1]
        for name in order:
            record = records[name]
            if record.error is not None:
                continue
            log(f"{name} {repeat + 1}/{repeats}")
            measurement = _guarded(case, impls[name], n, timeout, record)
            if measurement is not None:
                record.add(measurement)
    return CaseResult(case, n, records)


def _guarded(case, impl, n, timeout, record):
    faulthandler.dump_traceback_later(timeout, exit=True)
    try:
        return case.run(impl, n)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        record.error = f"{type(exc).__name__}: {exc}"
        return None
    finally:
        faulthandler.cancel_dump_traceback_later()


def failed(results):
    """Whether a measurement failed, other than a third-party reference's
    (those are noted in the table, as a missing one is)."""
    return any(record.error is not None
               for result in results
               for name, record in result.records.items()
               if name not in peers.THIRD_PARTY)


# -- number formats ----------------------------------------------------------

def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def fmt_ms(seconds):
    return f"{seconds * 1e3:.1f} ms"


def fmt_wall(seconds):
    """A whole workload's time: seconds from 1 s up, else as fmt_time."""
    if seconds is not None and seconds >= 1:
        return f"{seconds:.2f} s"
    return fmt_time(seconds)


def fmt_bytes(value):
    return "-" if value is None else f"{value:,.0f} B"


def fmt_fraction(value):
    return "-" if value is None else f"{value * 100:.2f}% core"


def fmt_factor(value):
    return "-" if value is None else f"{value:.2f}x"


def fmt_ratio(stdlib, cfutures):
    """('12.3x' text, value) of stdlib / cfutures; '!' marks a loss."""
    if stdlib is None or cfutures is None or cfutures <= 0:
        return "-", None
    ratio = stdlib / cfutures
    text = f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"
    if ratio < 1:
        text += " !"
    return text, ratio


# -- table rows --------------------------------------------------------------

def main_metric(case):
    """(median key, format) of what the case's first row shows."""
    if case.metric == "time":
        return "wall_per_op", fmt_time
    if case.metric == "wall":
        return "seconds", fmt_wall
    if case.metric == "idle_cpu_fraction":
        return case.metric, fmt_fraction
    return case.metric, fmt_bytes


def build_rows(results):
    """Table rows (dicts with case, n, stdlib, cfutures, ratio, note...)."""
    rows = []
    for result in results:
        rows.extend(_CaseRows(result).rows())
    return rows


class _CaseRows:
    """The rows of one measured case."""

    def __init__(self, result):
        self.result = result
        self.case = result.case
        self.records = result.records

    def median(self, name, key):
        record = self.records.get(name)
        return None if record is None else record.median(key)

    def row(self, title, key, fmt, note=""):
        ratio_text, ratio = fmt_ratio(self.median("stdlib", key),
                                      self.median("cfutures", key))
        return {
            "case": title,
            "name": self.case.name,
            "metric": key,
            "n": self.result.n,
            "stdlib": self.cell("stdlib", key, fmt),
            "cfutures": self.cell("cfutures", key, fmt),
            "ratio": ratio_text,
            "ratio_value": ratio,
            "note": note,
        }

    def cell(self, name, key, fmt):
        record = self.records.get(name)
        if record is not None and not record.samples:
            return "ERROR"
        return fmt(self.median(name, key))

    def rows(self):
        case = self.case
        key, fmt = main_metric(case)
        rows = [self.row(case.title, key, fmt,
                         "; ".join(self.main_notes(key, fmt)))]
        if case.cpu_row:
            rows.append(self.row(f"{case.title}: CPU time", "cpu_per_op",
                                 fmt_time, "process CPU (all threads) per "
                                 + case.unit))
        rows.extend(self.ideal_rows())
        for suffix, extra_key, note in case.extra_rows:
            notes = [note, *self.reference_notes(extra_key, fmt_time,
                                                 say_missing=False)]
            rows.append(self.row(f"{case.title}: {suffix}", extra_key,
                                 fmt_time, "; ".join(filter(None, notes))))
        return rows

    def main_notes(self, key, fmt):
        """Failures, noisy samples and the references' times."""
        notes = []
        for name in COMPARED:
            record = self.records.get(name)
            if record is not None and record.error is not None:
                notes.append(f"{name} failed: {record.error}")
        spreads = []
        for name in COMPARED:
            record = self.records.get(name)
            low, high = (None, None) if record is None else record.spread(key)
            if low and high / low > NOISY_SPREAD:
                spreads.append(f"{name} {fmt(low)}..{fmt(high)}")
        if spreads:
            notes.append("noisy: " + ", ".join(spreads))
        if self.case.metric == "wall":
            ideal = self.first("ideal_seconds")
            if ideal is not None:
                notes.append(f"ideal {fmt_wall(ideal)}")
        notes.extend(self.reference_notes(key, fmt))
        return notes

    def reference_notes(self, key, fmt, say_missing=True):
        """A note per reference of the case, in its impls order (those
        not installed left out unless ``say_missing``)."""
        notes = []
        for name in self.case.impls:
            record = self.records.get(name)
            if record is not None and record.missing and not say_missing:
                continue
            if name not in COMPARED:
                note = self.reference_note(name, key, fmt)
                if note:
                    notes.append(note)
        return notes

    def reference_note(self, name, key, fmt):
        """'<label>: <value> (<x> cfutures)' for a reference that ran, why
        it did not otherwise."""
        record = self.records.get(name)
        if record is None:
            return None
        if record.missing is not None:
            return record.missing
        if record.error is not None:
            return f"{name} failed: {record.error}"
        reference = record.median(key)
        if reference is None:
            return None
        label = self.case.labels.get(name) or REFERENCE_LABELS[name]
        label = label.format(workers=self.case.params.get("workers", ""))
        text = f"{label}: {fmt(reference)}"
        cf = self.median("cfutures", key)
        if cf:
            text += f" ({reference / cf:.2f}x cfutures)"
        return text

    def first(self, key):
        """``key`` from stdlib's medians, else from cfutures'."""
        return self.median("stdlib", key) or self.median("cfutures", key)

    def ideal_rows(self):
        """wall / ideal and wall / floor, for cases that report them."""
        if (self.median("stdlib", "wall_over_ideal") is None
                and self.median("cfutures", "wall_over_ideal") is None):
            return []
        title = self.case.title
        delay = self.case.params.get("delay")
        workers = self.case.params.get("workers")
        how = (f"N x {delay * 1e3:g} ms / {workers} = "
               if delay and workers else "")
        rows = [self.row(f"{title}: wall / ideal", "wall_over_ideal",
                         fmt_factor,
                         f"ideal = {how}{fmt_ms(self.first('ideal_seconds'))}"
                         "; 1.00x is perfect")]
        floor = self.first("floor_seconds")
        if floor is not None:
            rows.append(self.row(
                f"{title}: wall / floor", "wall_over_floor", fmt_factor,
                f"floor = N x measured sleep / {workers} = {fmt_ms(floor)} "
                "(what sleep itself costs here)"))
        return rows
