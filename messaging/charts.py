"""Small PNG charts for e-mail, drawn with matplotlib.

Charts carry no words: their legends and scales are written next to them in the template, so the
words stay translatable and the images stay small. matplotlib is imported inside the functions:
it costs tens of megabytes of resident memory, and only the weekly digest job draws charts, so a
`serve` process that never sends a digest never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

GRID = "#e2e6ec"
AXIS = "#969eaa"
BLUE = "#1f5fab"
TARGET = "#d64541"
GREEN = "#2e8b57"
AMBER = "#e69138"
DPI = 100


def _figure(width: int, height: int) -> tuple[Any, Any]:
    """A figure of width x height pixels with one bare axes filling it (no ticks, no labels)."""
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    axes = figure.add_axes((0.015, 0.04, 0.97, 0.92))
    axes.set_xticks([])
    axes.set_yticks([0.25, 0.5, 0.75, 1.0])
    axes.tick_params(left=False, labelleft=False)
    axes.grid(axis="y", color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(AXIS)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    return figure, axes


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def progress_chart(
    actual: Sequence[tuple[float, float]], target: float, top: float, width: int = 560
) -> bytes:
    """Cumulative matches (x = share of the programme's time, y = count) against the target line."""
    figure, axes = _figure(width, 220)
    top = max(top, 1.0)
    axes.plot([0, 1], [0, target / top], color=TARGET, linewidth=2, linestyle=(0, (3, 3)))
    if actual:
        axes.plot([x for x, _ in actual], [y / top for _, y in actual], color=BLUE, linewidth=3)
    return _png(figure)


def hours_chart(hours: Sequence[float], commitment: float, width: int = 560) -> bytes:
    """One bar per active pair (this month's hours), with the monthly commitment as a line."""
    figure, axes = _figure(width, 180)
    top = max([commitment * 1.5, *hours])
    count = max(len(hours), 1)
    slot = 1 / count
    axes.bar(
        [(i + 0.5) * slot for i in range(len(hours))],
        [value / top for value in hours],
        width=slot * 0.7,
        color=[GREEN if value >= commitment else AMBER for value in hours],
    )
    axes.axhline(commitment / top, color=TARGET, linewidth=2, linestyle=(0, (3, 3)))
    return _png(figure)
