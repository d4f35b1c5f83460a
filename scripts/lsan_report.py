"""Read LeakSanitizer logs (``log_path`` files) and report the leaks that are
cfutures' own: those allocated with a frame of the compiled core among the
first frames of the allocation stack. CPython leaves objects unfreed at
exit by design, so the other reports are counted, not failed.

    python scripts/lsan_report.py LOG... ; exit status 1 if any leak is ours
"""
import re
import sys

# A frame of the core: its C functions are __pyx_*_8cfutures_5_core_*, its
# sources src/cfutures/_core/<side>/*.c, its helpers csrc/*.h.
OUR_FRAME = re.compile(r"8cfutures_5_core|cfutures/_core/|csrc/cf_")
FRAME = re.compile(r"^\s+#(\d+) ")
# How deep in the stack a frame of ours makes a leak ours: below that, a
# core frame is only a caller of Python code that did the allocating.
OWN_DEPTH = 6


def leak_blocks(text):
    block = None
    for line in text.splitlines():
        if re.match(r"^(Direct|Indirect) leak of ", line):
            block = [line]
            yield block
        elif block is not None and FRAME.match(line):
            block.append(line)
        elif block is not None and not line.strip():
            block = None


def is_ours(block):
    for line in block[1:]:
        depth = int(FRAME.match(line).group(1))
        if depth < OWN_DEPTH and OUR_FRAME.search(line):
            return True
    return False


def main(paths):
    ours, others = [], 0
    for path in paths:
        with open(path, errors="replace") as log:
            text = log.read()
        if "ERROR: AddressSanitizer" in text or "runtime error:" in text:
            print(f"{path}: a sanitizer error besides the leaks:\n{text}")
            return 1
        for block in leak_blocks(text):
            if is_ours(block):
                ours.append((path, block))
            else:
                others += 1
    for path, block in ours:
        print(f"{path}:\n" + "\n".join(block) + "\n")
    print(f"lsan_report: {len(paths)} logs, {len(ours)} leaks in cfutures' "
          f"core, {others} elsewhere (CPython's own, not counted)")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
