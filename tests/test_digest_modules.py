"""The digest's modules: charts drawn by matplotlib only when a digest is drawn, one-way imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from messaging.charts import hours_chart, progress_chart

ROOT = Path(__file__).resolve().parent.parent


def test_serve_start_up_does_not_load_matplotlib() -> None:
    """matplotlib costs tens of MB of resident memory; `serve` must stay under its budget."""
    code = (
        "import sys, cli, scheduler, web.app, mentoring.digest_mail, mentoring.report;"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_charts_are_png_images_of_the_requested_size() -> None:
    progress = progress_chart([(0.0, 0), (0.5, 40)], target=150, top=160)
    hours = hours_chart([5.0, 3.0, 0.0], commitment=3)
    for png, height in ((progress, 220), (hours, 180)):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width_px = int.from_bytes(png[16:20], "big")
        height_px = int.from_bytes(png[20:24], "big")
        assert (width_px, height_px) == (560, height)


def _imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_digest_builder_and_data_never_import_the_e_mail() -> None:
    """digest_mail uses the builder and the data classes; they never reach back (no cycle)."""
    for name in ("digest.py", "digest_model.py"):
        assert "mentoring.digest_mail" not in _imports(ROOT / "mentoring" / name)
    assert "mentoring.digest" not in _imports(ROOT / "mentoring" / "digest_model.py")
    for name in ("digest_sql.py", "digest_counts.py", "digest_lists.py"):
        assert "storage.digest_queries" not in _imports(ROOT / "storage" / name)
