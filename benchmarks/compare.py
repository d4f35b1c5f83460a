#!/usr/bin/env python3
"""Compare cfutures with the stdlib's concurrent.futures, side by side.

    python benchmarks/compare.py              # every case, 5 repeats, medians
    python benchmarks/compare.py --quick      # small N, 3 repeats (CI smoke)
    python benchmarks/compare.py --markdown   # the table in Markdown
    python benchmarks/compare.py --json out.json
    python benchmarks/compare.py --section workloads --plot ratios.png

Both implementations run every case (see cases.py, shared with the
pytest-benchmark suite) in this one process, on the running Python, taking
turns; each number is the median over the repeats (harness.py measures and
makes the rows, table.py lays them out). Times are per task (per future, per
item, per roundtrip), except in the workload sections (workloads_threads.py,
workloads_processes.py), which show each whole job's wall time.
``CFUTURES_BENCH_SCALE`` (or ``--scale``) scales every N. Progress goes to
stderr (one line, rewritten in place, on a terminal: progress.py);
``--plot`` draws the ratios as a PNG (plot.py, needs matplotlib).

Refuses to run when cfutures' compiled core did not load (the comparison
would be the stdlib against itself) unless ``--allow-fallback`` is given.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402
import harness  # noqa: E402
import plot  # noqa: E402
import runinfo  # noqa: E402
import table  # noqa: E402
from progress import Progress  # noqa: E402

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
                             f"${harness.SCALE_ENV} or 1; times "
                             f"{QUICK_SCALE} with --quick)")
    parser.add_argument("--case", action="append", metavar="NAME",
                        help="run only the cases whose name contains NAME "
                             "(repeatable); see --list")
    parser.add_argument("--section", action="append", metavar="NAME",
                        help="run only the sections whose name contains "
                             "NAME (repeatable; with --case, the cases "
                             "that match both); see --list")
    parser.add_argument("--plot", metavar="FILE",
                        help="also draw the stdlib/cfutures ratios, one bar "
                             "per case, as a PNG (needs matplotlib)")
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
    for option, path in (("--json", args.json), ("--plot", args.plot)):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not os.path.isdir(folder):
            parser.error(f"{option}: no folder {folder} to write {path} in")
    return args


def select_cases(patterns, section_patterns=None):
    """The cases to run, in table order: those whose name contains one of
    ``patterns``, in a section whose name contains one of
    ``section_patterns`` (either None: all)."""
    sections = [section for section in cases.SECTIONS
                if not section_patterns
                or any(p in section.name for p in section_patterns)]
    if not sections:
        raise SystemExit(
            f"compare.py: no section matches {section_patterns}; sections: "
            f"{', '.join(s.name for s in cases.SECTIONS)}")
    chosen = [case for section in sections for case in section.cases
              if not patterns or any(p in case.name for p in patterns)]
    if not chosen:
        raise SystemExit(
            f"compare.py: no case matches {patterns} in the sections "
            f"{', '.join(s.name for s in sections)}; cases: "
            f"{', '.join(c.name for s in sections for c in s.cases)}")
    return chosen


def list_cases():
    for section in cases.SECTIONS:
        print(f"{section.name}: {section.title}")
        for case in section.cases:
            print(f"  {case.name:22} N={case.n:<8} {case.title}")


def log(message):
    print(message, file=sys.stderr, flush=True)


def print_lines(lines, markdown):
    """Lines outside the table: a Markdown list with --markdown."""
    print("\n".join(f"{'- ' if markdown else ''}{line}" for line in lines))


def write_json(path, info, elapsed, results, rows):
    payload = dict(info)
    payload["elapsed_s"] = elapsed
    payload["cases"] = [{
        "name": r.case.name,
        "section": cases.SECTION_OF[r.case.name].name,
        "title": r.case.title,
        "unit": r.case.unit,
        "n": r.n,
        "params": r.case.params,
        "results": {name: record.as_dict()
                    for name, record in r.records.items()},
    } for r in results]
    payload["table"] = rows
    with open(path, "w") as out:
        json.dump(payload, out, indent=2, sort_keys=False)
        out.write("\n")
    log(f"wrote {path}")


def write_plot(path, info, rows):
    section_of = {name: section.title
                  for name, section in cases.SECTION_OF.items()}
    py, machine = info["python"], info["machine"]
    settings = info["settings"]
    subtitle = (f"{py['implementation']} {py['version']}, cfutures "
                f"{info['cfutures']['version']}, {machine['machine']}, "
                f"{machine['cpu_count']} CPUs; scale {settings['scale']:g}, "
                f"median of {settings['repeats']}")
    plot.save_chart(path, plot.case_bars(rows, section_of),
                    "cfutures against concurrent.futures: stdlib / cfutures, "
                    "per case",
                    subtitle)
    log(f"wrote {path}")


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        list_cases()
        return 0
    selected = select_cases(args.case, args.section)
    if args.plot:
        plot.require()

    try:
        scale = args.scale if args.scale is not None else harness.env_scale()
    except ValueError as exc:
        print(f"compare.py: {exc}", file=sys.stderr)
        return 2
    if args.quick:
        scale *= QUICK_SCALE
    repeats = args.repeat or (QUICK_REPEATS if args.quick else DEFAULT_REPEATS)
    timeout = args.case_timeout or 120.0 * max(1.0, scale)

    info = runinfo.run_info(scale, repeats, args.quick)
    print_lines(runinfo.header_lines(info), args.markdown)
    sys.stdout.flush()

    if not info["cfutures"]["extensions"] and not args.allow_fallback:
        print("compare.py: cfutures.EXTENSIONS is False: the compiled core "
              "did not load, so cfutures would be the stdlib compared with "
              "itself. Build/install it (pip install .), or pass "
              "--allow-fallback to run anyway.", file=sys.stderr)
        return 3

    started = time.perf_counter()
    results = []
    progress = Progress(len(selected))
    for case in selected:
        if not case.is_available():
            progress.note(f"{case.name}: not available on this platform, "
                          "skipped")
            continue
        n = harness.scaled_n(case, scale)
        progress.start_case(case.name, n)
        results.append(harness.measure(case, case.impls, n, repeats,
                                       timeout, progress.step))
    progress.clear()
    elapsed = time.perf_counter() - started

    rows = harness.build_rows(results)
    print()
    layout = table.markdown_table if args.markdown else table.text_table
    print("\n".join(layout(rows)))
    print()
    print_lines([table.LEGEND, f"Total run time: {elapsed:.1f} s."],
                args.markdown)

    if args.json:
        write_json(args.json, info, elapsed, results, rows)
    if args.plot:
        write_plot(args.plot, info, rows)
    if harness.failed(results):
        log("compare.py: some measurements failed (see the notes column)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
