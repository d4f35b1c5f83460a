"""The comparison table as text: aligned plain text or Markdown.

Takes the rows harness.build_rows makes; compare.py prints it, and the
pytest-benchmark suite prints it in its terminal summary.
"""

COLUMNS = (("case", "case"), ("n", "N"), ("stdlib", "stdlib"),
           ("cfutures", "cfutures"), ("ratio", "stdlib/cfutures"),
           ("note", "notes"))

# How to read the ratio column, printed under the table.
LEGEND = ("stdlib/cfutures > 1 means cfutures is faster (or smaller); "
          "'!' marks a case where cfutures is slower/larger.")


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
