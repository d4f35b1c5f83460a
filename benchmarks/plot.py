"""compare.py --plot FILE: the stdlib/cfutures ratios as a PNG bar chart.

One horizontal bar per case (its first table row: the case's own metric),
in table order, coloured by section, on a log axis with a line at 1.0x:
bars reaching right of it are cases where cfutures is faster (or smaller),
bars reaching left are cases where it is slower. Each bar is labelled with
its ratio; a case without one (it failed) says "no ratio".

matplotlib is an optional extra (benchmarks/run.sh installs it into its
venv when it can). It is imported only to draw; ``require`` tells, before
anything is measured, that it is missing and how to get it.
"""
import importlib.util

# Matplotlib's "tab10" colours, one per section in turn.
SECTION_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

INCHES_PER_BAR = 0.27
FIGURE_WIDTH = 12.0
# Room for the title, the axis and the legend row below it.
MARGIN_INCHES = 1.9
LEGEND_INCHES = 0.35


def require():
    """SystemExit with the fix if matplotlib cannot be imported here."""
    if importlib.util.find_spec("matplotlib") is None:
        raise SystemExit(
            "compare.py: --plot needs matplotlib, which is not installed "
            "for this Python: pip install matplotlib (benchmarks/run.sh "
            "installs it into its venv when it can)")


def case_bars(rows, section_of):
    """[(section title, case title, ratio or None)], one per case.

    ``rows`` are harness.build_rows' rows; a case's first row is its own
    metric. ``section_of`` maps a case name to its section's title.
    """
    bars = []
    seen = set()
    for row in rows:
        if row["name"] in seen:
            continue
        seen.add(row["name"])
        bars.append((section_of.get(row["name"], ""), row["case"],
                     row["ratio_value"]))
    return bars


def _limits(ratios):
    low = min([1.0, *ratios])
    high = max([1.0, *ratios])
    return low / 2.5, high * 4


def save_chart(path, bars, title, subtitle):
    """Draw ``bars`` (from case_bars) and save them as a PNG at ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    sections = list(dict.fromkeys(section for section, _, _ in bars))
    color_of = {section: SECTION_COLORS[i % len(SECTION_COLORS)]
                for i, section in enumerate(sections)}
    ratios = [ratio for _, _, ratio in bars if ratio]
    low, high = _limits(ratios)

    height = MARGIN_INCHES + INCHES_PER_BAR * max(len(bars), 4)
    figure, axes = plt.subplots(figsize=(FIGURE_WIDTH, height))
    positions = range(len(bars))
    for y, (section, _, ratio) in zip(positions, bars):
        if ratio:
            axes.barh(y, ratio - 1.0, left=1.0, height=0.7,
                      color=color_of[section])
            text, align, x = f"{ratio:.2f}x", "left", ratio * 1.06
            if ratio < 1:
                align, x = "right", ratio / 1.06
        else:
            text, align, x = "no ratio", "left", 1.06
        axes.text(x, y, text, va="center", ha=align, fontsize=7.5)

    # A thin rule between sections.
    for y in range(1, len(bars)):
        if bars[y][0] != bars[y - 1][0]:
            axes.axhline(y - 0.5, color="#bbbbbb", linewidth=0.8)

    axes.set_xscale("log")
    axes.set_xlim(low, high)
    axes.axvline(1.0, color="black", linewidth=1.0)
    axes.set_yticks(list(positions))
    axes.set_yticklabels([case for _, case, _ in bars], fontsize=8)
    axes.set_ylim(len(bars) - 0.5, -0.5)
    axes.set_xlabel("stdlib / cfutures (log scale; right of 1.0x: "
                    "cfutures faster or smaller)")
    axes.xaxis.set_major_locator(matplotlib.ticker.LogLocator(
        base=10, subs=(1.0, 2.0, 5.0)))
    axes.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda value, _: f"{value:g}x"))
    axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.grid(axis="x", which="major", color="#e5e5e5")
    axes.set_axisbelow(True)
    axes.set_title(f"{title}\n{subtitle}", fontsize=10)
    # A row along the bottom of the figure, where no bar can run into it.
    figure.legend(handles=[Patch(color=color_of[s], label=s)
                           for s in sections],
                  loc="lower center", ncol=min(5, len(sections)),
                  fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, LEGEND_INCHES / height, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
