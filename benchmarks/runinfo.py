"""Facts about a benchmark run: the Python, cfutures and the machine.

``run_info`` gathers them (compare.py puts them in its JSON and, through
``header_lines``, above its table); ``cfutures_info`` is the part the
pytest-benchmark suite adds to its machine info.
"""
import os
import platform
import sys


def cfutures_info():
    """Which cfutures runs, and whether its compiled core loaded."""
    import cfutures
    return {
        "version": cfutures.__version__,
        "extensions": cfutures.EXTENSIONS,
        "file": cfutures.__file__,
    }


def run_info(scale, repeats, quick):
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
        "cfutures": cfutures_info(),
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
            "quick": quick,
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
    """The lines above the table: Python, cfutures, machine, settings."""
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
        f"median shown; times per task (future / item / roundtrip), "
        f"in workload rows a whole job's wall time",
    ]
