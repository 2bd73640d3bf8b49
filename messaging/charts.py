"""Small PNG charts for e-mail, drawn on a numpy canvas: no plotting library, no fonts.

Charts carry no words: their legends and scales are written next to them in the template, so the
words stay translatable and the images stay tiny.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence

import numpy as np

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
GRID: Color = (226, 230, 236)
AXIS: Color = (150, 158, 170)
BLUE: Color = (31, 95, 171)
TARGET: Color = (214, 69, 65)
GREEN: Color = (46, 139, 87)
AMBER: Color = (230, 145, 56)


def encode_png(canvas: np.ndarray) -> bytes:
    """An RGB uint8 array as a PNG file (filter 0 on every row, zlib level 9)."""
    height, width, _ = canvas.shape
    raw = b"".join(b"\x00" + canvas[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


class Canvas:
    """Pixel drawing in plot coordinates: x and y in [0, 1], origin bottom left."""

    def __init__(self, width: int, height: int, margin: int = 8) -> None:
        self.pixels = np.full((height, width, 3), WHITE, dtype=np.uint8)
        self.width, self.height, self.margin = width, height, margin

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        span_x = self.width - 2 * self.margin - 1
        span_y = self.height - 2 * self.margin - 1
        return self.margin + x * span_x, self.height - 1 - self.margin - y * span_y

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
        px0, py0 = self._xy(x0, y0)
        px1, py1 = self._xy(x1, y1)
        left, right = sorted((round(px0), round(px1)))
        top, bottom = sorted((round(py0), round(py1)))
        self.pixels[top : bottom + 1, left : right + 1] = color

    def line(
        self, points: Sequence[tuple[float, float]], color: Color, width: int = 2, dash: int = 0
    ) -> None:
        half = width // 2
        travelled = 0.0
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            ax, ay = self._xy(x0, y0)
            bx, by = self._xy(x1, y1)
            steps = max(int(max(abs(bx - ax), abs(by - ay))), 1)
            for i in range(steps + 1):
                travelled += 1
                if dash and (travelled // dash) % 2:
                    continue
                px = round(ax + (bx - ax) * i / steps)
                py = round(ay + (by - ay) * i / steps)
                self.pixels[
                    max(py - half, 0) : py - half + width, max(px - half, 0) : px - half + width
                ] = color

    def grid(self, lines: int = 4) -> None:
        for i in range(lines + 1):
            self.line([(0, i / lines), (1, i / lines)], AXIS if i == 0 else GRID, width=1)

    def png(self) -> bytes:
        return encode_png(self.pixels)


def progress_chart(
    actual: Sequence[tuple[float, float]], target: float, top: float, width: int = 560
) -> bytes:
    """Cumulative matches (x = share of the programme's time, y = count) against the target line."""
    canvas = Canvas(width, 220)
    canvas.grid()
    top = max(top, 1.0)
    canvas.line([(0, 0), (1, target / top)], TARGET, width=2, dash=6)
    canvas.line([(x, y / top) for x, y in actual], BLUE, width=3)
    return canvas.png()


def hours_chart(hours: Sequence[float], commitment: float, width: int = 560) -> bytes:
    """One bar per active pair (this month's hours), with the monthly commitment as a line."""
    canvas = Canvas(width, 180)
    canvas.grid()
    top = max([commitment * 1.5, *hours])
    count = max(len(hours), 1)
    slot = 1 / count
    for i, value in enumerate(hours):
        x0 = i * slot + slot * 0.15
        x1 = (i + 1) * slot - slot * 0.15
        color = GREEN if value >= commitment else AMBER
        if value > 0:
            canvas.rect(x0, 0, max(x1, x0), value / top, color)
    canvas.line([(0, commitment / top), (1, commitment / top)], TARGET, width=2, dash=6)
    return canvas.png()
