"""The core's layers, read from its sources: no module of cfutures._core
imports the Python layer above it (cfutures.*), and each side imports only
the sides below it: shared/ nothing; future/ shared/; thread/ future/ and
shared/; parent/ those and worker/ (its processes' entry point); worker/
shared/ only (a worker process never loads the parent's side)."""
import pathlib
import re

import pytest

CORE = pathlib.Path(__file__).resolve().parent.parent / "src" / "cfutures" / "_core"
BELOW = {
    "shared": set(),
    "future": {"shared"},
    "thread": {"future", "shared"},
    "parent": {"future", "shared", "worker"},   # worker_main, its processes' target
    "worker": {"shared"},
}
IMPORTED = re.compile(r"^\s*(?:from|c?import)\s+(cfutures[\w.]*)", re.MULTILINE)

pytestmark = pytest.mark.skipif(not CORE.is_dir(), reason="needs src/")


def imports_of(side):
    for path in sorted((CORE / side).glob("*.p[xy]*")):
        for module in IMPORTED.findall(path.read_text(encoding="utf-8")):
            yield path.name, module


@pytest.mark.parametrize("side", sorted(BELOW))
def test_a_side_imports_only_the_sides_below_it(side):
    assert {p.name for p in CORE.iterdir() if p.is_dir()
            and p.name != "__pycache__"} == set(BELOW)
    wrong = []
    for name, module in imports_of(side):
        parts = module.split(".")
        if parts[:2] != ["cfutures", "_core"] or len(parts) < 3:
            wrong.append(f"{side}/{name} imports {module} (above the core)")
        elif parts[2] != side and parts[2] not in BELOW[side]:
            wrong.append(f"{side}/{name} imports {module}")
    assert not wrong, wrong
