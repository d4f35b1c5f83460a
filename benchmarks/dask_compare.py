"""DaskExecutor against Dask's own executor and cfutures' process pool.

    python benchmarks/dask_compare.py [--items N] [--repeats R]

Two workers of one thread on a loopback LocalCluster (processes), and a
2-worker cfutures ProcessPoolExecutor. What is timed is one ``map`` of a
no-op over N ints with default arguments, from the call to the last result,
on a cluster (or pool) already running, as a program that connects to a
cluster finds it; each row is the median of R runs, in microseconds per
item. ``Client.get_executor().map`` submits one dask task per item; it runs
over N/10 items (at about 2 ms a task, N would take minutes) and is reported
per item like the others.
"""
import argparse
import statistics
import time

import cfutures
from cfutures.distributed import DaskExecutor


def noop(x):
    return x


def per_item_us(run, items, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        results = run(items)
        times.append(time.perf_counter() - started)
        assert len(results) == items
    return statistics.median(times) / items * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import dask
    import distributed
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1",
            dashboard_address=None, processes=True)
    client = distributed.Client(cluster, set_as_default=False)
    rows = []
    try:
        with DaskExecutor(client) as executor:
            list(executor.map(noop, range(10)))   # the client's connections
            rows.append(("cfutures DaskExecutor.map", args.items, per_item_us(
                lambda n: list(executor.map(noop, range(n))), args.items,
                args.repeats)))
        dask_executor = client.get_executor()
        small = max(1, args.items // 10)
        rows.append(("Client.get_executor().map", small, per_item_us(
            lambda n: list(dask_executor.map(noop, range(n))), small,
            args.repeats)))
    finally:
        client.close()
        cluster.close()
    with cfutures.ProcessPoolExecutor(2) as pool:
        pool.submit(noop, 1).result()
        rows.append(("cfutures ProcessPoolExecutor.map", args.items, per_item_us(
            lambda n: list(pool.map(noop, range(n))), args.items, args.repeats)))
    ours = rows[0][2]
    print(f"map of a no-op, 2 workers, median of {args.repeats} "
          f"(cfutures {cfutures.__version__}, distributed {distributed.__version__})")
    print("| executor | items | us per item | DaskExecutor is |")
    print("|---|---:|---:|---:|")
    for name, items, us in rows:
        relation = "-" if us is ours else (
            f"{us / ours:.1f}x faster" if us > ours else f"{ours / us:.1f}x slower")
        print(f"| {name} | {items:,} | {us:.2f} | {relation} |")


if __name__ == "__main__":
    main()
