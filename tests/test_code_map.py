"""README.md's map of the code matches the tree: every source file of src/
and csrc/ is on it, and it names no file that is gone."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SOURCE_SUFFIXES = (".py", ".pyx", ".pyi", ".pxd", ".h", ".pth", ".start")
# A .pxd sits beside its .pyx (the map says so once); the others are named.
LISTED_SUFFIXES = (".py", ".pyx", ".pyi", ".h", ".pth", ".start")

pytestmark = pytest.mark.skipif(
    not (README.exists() and (ROOT / "src" / "cfutures").is_dir()),
    reason="needs the source tree (README.md, src/)")


def code_map():
    """The text of the README's fenced block under "The map of the code"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### The map of the code", 1)[1]
    return section.split("```", 2)[1]


def source_files():
    for top in ("src", "csrc"):
        for path in (ROOT / top).rglob("*"):
            if (path.is_file() and path.suffix in SOURCE_SUFFIXES
                    and "__pycache__" not in path.parts
                    and not any(part.endswith(".egg-info") for part in path.parts)):
                yield path


def test_every_source_file_is_on_the_map():
    names = set(re.findall(r"[\w.-]+", code_map()))
    missing = sorted(str(path.relative_to(ROOT)) for path in source_files()
                     if path.suffix in LISTED_SUFFIXES
                     and path.name != "__init__.py" and path.name not in names)
    assert not missing, f"README's map of the code lacks {missing}"


def test_the_map_names_no_file_that_is_gone():
    present = {path.name for path in source_files()}
    present |= {path.name for path in ROOT.iterdir()}   # setup.py, ...
    named = set(re.findall(r"\b[\w-]+\.(?:pyx|pxd|pyi|py|h|pth|start)\b",
                           code_map()))
    gone = sorted(named - present)
    assert not gone, f"README's map of the code names files not in the tree: {gone}"
