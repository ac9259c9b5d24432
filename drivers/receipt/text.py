"""Receipt text layout shared by the ESC/POS encoder and the simulator: display width and a
wrap with simple kinsoku (Chinese punctuation never starts a line), so a simulated receipt
breaks its lines where a printed one does."""

from __future__ import annotations

import unicodedata

MAX_BLOCK_LINES = 8  # an overlong field is truncated after this many lines
ELLIPSIS = "…"
# Chinese punctuation that must not start a line (simple kinsoku).
NO_LINE_START = set("，。、：；！？）」』】》〉,.;:!?)")


def display_width(text: str) -> int:
    """Columns `text` takes: wide (CJK, full-width) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text: str, columns: int, max_lines: int = MAX_BLOCK_LINES) -> list[str]:
    """Wrap by display width, breaking Latin text at spaces; truncate with "…" after max_lines."""
    columns = max(2, columns)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0
        for ch in paragraph:
            w = display_width(ch)
            if used + w > columns and line:
                carry: list[str] = []
                if ch in NO_LINE_START and len(line) > 1:
                    carry = [line.pop()]  # take the last character along with the punctuation
                elif ch != " " and " " in line[len(line) // 2 :]:
                    cut = len(line) - 1 - line[::-1].index(" ")
                    carry = line[cut + 1 :]
                    line = line[:cut]
                lines.append("".join(line).rstrip())
                line = carry
                used = display_width("".join(line))
                if ch == " " and not line:
                    continue
            line.append(ch)
            used += w
        lines.append("".join(line).rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and display_width(last) + 1 > columns:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + ELLIPSIS]
    return lines
