#!/usr/bin/env python3
"""Compare cfutures with the stdlib's concurrent.futures, side by side.

    python benchmarks/compare.py              # every case, 5 repeats, medians
    python benchmarks/compare.py --quick      # small N, 3 repeats (CI smoke)
    python benchmarks/compare.py --markdown   # the table in Markdown
    python benchmarks/compare.py --json out.json

Both implementations run every case (see cases.py, shared with the
pytest-benchmark suite) in this one process, on the running Python, taking
turns; each number is the median over the repeats. Times are per task (per
future, per item, per roundtrip). ``CFUTURES_BENCH_SCALE`` (or ``--scale``)
scales every N.

Refuses to run when cfutures' compiled core did not load (the comparison
would be the stdlib against itself) unless ``--allow-fallback`` is given.
"""
import argparse
import faulthandler
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402

COMPARED = ("stdlib", "cfutures")
DEFAULT_REPEATS = 5
QUICK_REPEATS = 3
QUICK_SCALE = 0.1


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark cfutures against concurrent.futures.")
    parser.add_argument("--quick", action="store_true",
                        help=f"N x {QUICK_SCALE} and {QUICK_REPEATS} repeats "
                             "(a smoke test, e.g. for CI)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write every sample and median as JSON")
    parser.add_argument("--markdown", action="store_true",
                        help="print the header and table as Markdown")
    parser.add_argument("--allow-fallback", action="store_true",
                        help="run even if cfutures.EXTENSIONS is False")
    parser.add_argument("--repeat", type=int, metavar="R",
                        help=f"measurements per case and implementation "
                             f"(default {DEFAULT_REPEATS}, "
                             f"{QUICK_REPEATS} with --quick)")
    parser.add_argument("--scale", type=float, metavar="S",
                        help=f"multiply every N by S (default "
                             f"${cases.SCALE_ENV} or 1; times "
                             f"{QUICK_SCALE} with --quick)")
    parser.add_argument("--case", action="append", metavar="NAME",
                        help="run only the cases whose name contains NAME "
                             "(repeatable); see --list")
    parser.add_argument("--list", action="store_true",
                        help="list the cases and exit")
    parser.add_argument("--case-timeout", type=float, metavar="SECONDS",
                        help="abort (with every thread's traceback) if one "
                             "measurement takes longer (default 120 s x "
                             "scale, at least 120 s)")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be >= 1")
    if args.scale is not None and not args.scale > 0:
        parser.error("--scale must be > 0")
    return args


# -- facts about the run ------------------------------------------------------

def run_info(args, scale, repeats):
    import cfutures
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = None
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": " ".join(platform.python_build()),
            "compiler": platform.python_compiler(),
            "executable": sys.executable,
            "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        },
        "cfutures": {
            "version": cfutures.__version__,
            "extensions": cfutures.EXTENSIONS,
            "file": cfutures.__file__,
        },
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor() or _cpu_model(),
            "cpu_count": os.cpu_count(),
            "usable_cpus": usable,
            "load_average": _load_average(),
        },
        "settings": {
            "scale": scale,
            "repeats": repeats,
            "quick": args.quick,
            "statistic": "median",
        },
    }


def _load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def header_lines(info):
    py, cf, machine = info["python"], info["cfutures"], info["machine"]
    settings = info["settings"]
    usable = machine["usable_cpus"]
    cpus = f"{machine['cpu_count']} CPUs"
    if usable is not None and usable != machine["cpu_count"]:
        cpus += f" ({usable} usable)"
    gil = "" if py["gil_enabled"] else ", free-threaded (GIL off)"
    return [
        f"Python: {py['implementation']} {py['version']} ({py['build']}, "
        f"{py['compiler']}{gil}) at {py['executable']}",
        f"cfutures: {cf['version']}, EXTENSIONS={cf['extensions']} "
        f"({cf['file']})",
        f"Machine: {machine['platform']}, {machine['machine']}, {cpus}"
        + (f", {machine['processor']}" if machine["processor"] else "")
        + (f"; load average {'/'.join(map(str, machine['load_average']))}"
           " at start" if machine["load_average"] else ""),
        f"Settings: scale={settings['scale']:g}, "
        f"repeats={settings['repeats']} per case and implementation, "
        f"median shown; times are per "
        f"task (per future / item / roundtrip)",
    ]


# -- running ------------------------------------------------------------------

def measure(case, impl_names, n, repeats, timeout, log):
    """Run ``case`` for each implementation, taking turns; return a dict."""
    impls = cases.implementations()
    record = {name: {"samples": [], "error": None} for name in impl_names}
    # A short untimed run first: first thread starts, caches, lazy imports.
    warmup_n = max(n // 20, 10)
    for name in impl_names:
        _guarded(case, impls[name], warmup_n, timeout, record[name])
    for repeat in range(repeats):
        order = impl_names if repeat % 2 == 0 else impl_names[::-1]
        for name in order:
            if record[name]["error"] is not None:
                continue
            log(f"  {case.name}: {name} {repeat + 1}/{repeats}")
            measurement = _guarded(case, impls[name], n, timeout, record[name])
            if measurement is not None:
                record[name]["samples"].append({
                    "wall_per_op": measurement.per_op,
                    "cpu_per_op": measurement.cpu_per_op,
                    "seconds": measurement.seconds,
                    "extra": measurement.extra,
                })
    for name in impl_names:
        samples = record[name]["samples"]
        median = cases.median_or_none
        keys = sorted({key for s in samples for key in s["extra"]})
        record[name]["median"] = {
            "wall_per_op": median([s["wall_per_op"] for s in samples]),
            "cpu_per_op": median([s["cpu_per_op"] for s in samples]),
            **{key: median([s["extra"].get(key) for s in samples])
               for key in keys},
        } if samples else None
    return record


def _guarded(case, impl, n, timeout, record):
    faulthandler.dump_traceback_later(timeout, exit=True)
    try:
        return case.run(impl, n)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        record["error"] = f"{type(exc).__name__}: {exc}"
        return None
    finally:
        faulthandler.cancel_dump_traceback_later()


# -- the table ----------------------------------------------------------------

def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def fmt_bytes(value):
    return "-" if value is None else f"{value:,.0f} B"


def fmt_fraction(value):
    return "-" if value is None else f"{value * 100:.2f}% core"


def fmt_factor(value):
    return "-" if value is None else f"{value:.2f}x"


def fmt_ratio(stdlib, cfutures):
    if stdlib is None or cfutures is None or cfutures <= 0:
        return "-", None
    ratio = stdlib / cfutures
    text = f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"
    if ratio < 1:
        text += " !"
    return text, ratio


# max/min of a case's samples above which the table flags it as noisy
NOISY_SPREAD = 1.5


def spread(entry, key):
    """(min, max) of one implementation's samples of ``key``."""
    if entry is None:
        return None, None
    values = [sample["wall_per_op"] if key == "wall_per_op"
              else sample["cpu_per_op"] if key == "cpu_per_op"
              else sample["extra"].get(key)
              for sample in entry["samples"]]
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None, None
    return min(values), max(values)


def build_rows(results):
    """Table rows: dicts with case, n, stdlib, cfutures, ratio, note."""
    rows = []
    for result in results:
        case = result["case"]
        record = result["record"]

        def median(name, key):
            entry = record.get(name)
            if entry is None or entry["median"] is None:
                return None
            return entry["median"].get(key)

        def cell(name, key, fmt):
            entry = record.get(name)
            if entry is not None and entry["median"] is None:
                return "ERROR"
            return fmt(median(name, key))

        def add(title, key, fmt, note=""):
            ratio_text, ratio = fmt_ratio(median("stdlib", key),
                                          median("cfutures", key))
            rows.append({
                "case": title,
                "name": case.name,
                "metric": key,
                "n": result["n"],
                "stdlib": cell("stdlib", key, fmt),
                "cfutures": cell("cfutures", key, fmt),
                "ratio": ratio_text,
                "ratio_value": ratio,
                "note": note,
            })

        notes = []
        for name in COMPARED:
            error = record[name]["error"]
            if error is not None:
                notes.append(f"{name} failed: {error}")

        if case.metric == "time":
            key, fmt = "wall_per_op", fmt_time
        elif case.metric == "idle_cpu_fraction":
            key, fmt = case.metric, fmt_fraction
        else:
            key, fmt = case.metric, fmt_bytes
        spreads = []
        for name in COMPARED:
            low, high = spread(record.get(name), key)
            if low and high / low > NOISY_SPREAD:
                spreads.append(f"{name} {fmt(low)}..{fmt(high)}")
        if spreads:
            notes.append("noisy: " + ", ".join(spreads))
        for reference_name, label in cases.REFERENCE_LABELS.items():
            if reference_name not in record:
                continue
            if record[reference_name]["error"] is not None:
                notes.append(f"{reference_name} failed: "
                             f"{record[reference_name]['error']}")
                continue
            reference = median(reference_name, "wall_per_op")
            cf = median("cfutures", "wall_per_op")
            if reference is not None:
                workers = case.params.get("workers", "")
                text = f"{label.format(workers=workers)}: {fmt_time(reference)}"
                if cf:
                    text += f" ({reference / cf:.2f}x cfutures)"
                notes.append(text)
        add(case.title, key, fmt, "; ".join(notes))

        if case.cpu_row:
            add(f"{case.title}: CPU time", "cpu_per_op", fmt_time,
                "process CPU (all threads) per " + case.unit)
        if median("stdlib", "wall_over_ideal") is not None or \
                median("cfutures", "wall_over_ideal") is not None:
            ideal = (median("stdlib", "ideal_seconds")
                     or median("cfutures", "ideal_seconds"))
            delay = case.params.get("delay")
            workers = case.params.get("workers")
            how = (f"N x {delay * 1e3:g} ms / {workers} = "
                   if delay and workers else "")
            add(f"{case.title}: wall / ideal", "wall_over_ideal", fmt_factor,
                f"ideal = {how}{ideal * 1e3:.1f} ms; 1.00x is perfect")
            floor = (median("stdlib", "floor_seconds")
                     or median("cfutures", "floor_seconds"))
            if floor is not None:
                add(f"{case.title}: wall / floor", "wall_over_floor",
                    fmt_factor,
                    f"floor = N x measured sleep / {workers} = "
                    f"{floor * 1e3:.1f} ms (what sleep itself costs here)")
    return rows


COLUMNS = (("case", "case"), ("n", "N"), ("stdlib", "stdlib"),
           ("cfutures", "cfutures"), ("ratio", "stdlib/cfutures"),
           ("note", "notes"))


def text_table(rows):
    cells = [[str(row[key]) for key, _ in COLUMNS] for row in rows]
    headers = [title for _, title in COLUMNS]
    widths = [max([len(h)] + [len(c[i]) for c in cells])
              for i, h in enumerate(headers)]
    right = {1, 2, 3, 4}

    def line(values):
        parts = []
        for i, value in enumerate(values):
            parts.append(value.rjust(widths[i]) if i in right
                         else value.ljust(widths[i]))
        return " | ".join(parts).rstrip()

    out = [line(headers), "-+-".join("-" * w for w in widths)]
    out.extend(line(c) for c in cells)
    return out


def markdown_table(rows):
    headers = [title for _, title in COLUMNS]
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join(["---", "---:", "---:", "---:", "---:", "---"])
           + "|"]
    for row in rows:
        values = [str(row[key]).replace("|", "\\|") for key, _ in COLUMNS]
        out.append("| " + " | ".join(values) + " |")
    return out


# -- main ---------------------------------------------------------------------

def select_cases(patterns):
    if not patterns:
        return list(cases.CASES)
    chosen = [case for case in cases.CASES
              if any(p in case.name for p in patterns)]
    if not chosen:
        raise SystemExit(f"compare.py: no case matches {patterns}; "
                         f"cases: {', '.join(c.name for c in cases.CASES)}")
    return chosen


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for case in cases.CASES:
            print(f"{case.name:22} N={case.n:<8} {case.title}")
        return 0

    try:
        scale = args.scale if args.scale is not None else cases.env_scale()
    except ValueError as exc:
        print(f"compare.py: {exc}", file=sys.stderr)
        return 2
    if args.quick:
        scale *= QUICK_SCALE
    repeats = args.repeat or (QUICK_REPEATS if args.quick else DEFAULT_REPEATS)
    timeout = args.case_timeout or 120.0 * max(1.0, scale)

    info = run_info(args, scale, repeats)
    lines = header_lines(info)
    if args.markdown:
        print("\n".join(f"- {line}" for line in lines))
    else:
        print("\n".join(lines))
    sys.stdout.flush()

    if not info["cfutures"]["extensions"] and not args.allow_fallback:
        print("compare.py: cfutures.EXTENSIONS is False: the compiled core "
              "did not load, so cfutures would be the stdlib compared with "
              "itself. Build/install it (pip install .), or pass "
              "--allow-fallback to run anyway.", file=sys.stderr)
        return 3

    def log(message):
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    results = []
    for case in select_cases(args.case):
        if not case.is_available():
            log(f"{case.name}: not available on this platform, skipped")
            continue
        n = case.scaled_n(scale)
        log(f"{case.name} (N={n})")
        record = measure(case, case.impls, n, repeats, timeout, log)
        results.append({"case": case, "n": n, "record": record})
    elapsed = time.perf_counter() - started

    rows = build_rows(results)
    print()
    if args.markdown:
        print("\n".join(markdown_table(rows)))
    else:
        print("\n".join(text_table(rows)))
    print()
    footer = [f"stdlib/cfutures > 1 means cfutures is faster (or smaller); "
              f"'!' marks a case where cfutures is slower/larger.",
              f"Total run time: {elapsed:.1f} s."]
    print("\n".join(f"{'- ' if args.markdown else ''}{line}"
                    for line in footer))

    failed = any(entry["error"] is not None
                 for result in results for entry in result["record"].values())
    if args.json:
        payload = dict(info)
        payload["elapsed_s"] = elapsed
        payload["cases"] = [{
            "name": r["case"].name,
            "title": r["case"].title,
            "unit": r["case"].unit,
            "n": r["n"],
            "params": r["case"].params,
            "results": r["record"],
        } for r in results]
        payload["table"] = rows
        with open(args.json, "w") as out:
            json.dump(payload, out, indent=2, sort_keys=False)
            out.write("\n")
        log(f"wrote {args.json}")
    if failed:
        log("compare.py: some measurements failed (see the notes column)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
