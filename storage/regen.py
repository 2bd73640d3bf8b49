"""Regenerate the initial migration from the models (allowed until the first production release).

    .venv/bin/python -m storage.regen

Autogenerates against an empty SQLite file, then adds the lookup seed. The migration test
(tests/test_migrations.py) fails when models and migrations drift apart.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from alembic import command

from storage.migrate import HERE, alembic_config

SEED = """    lookups = sa.table(
        "lookups",
        sa.column("kind", sa.String),
        sa.column("code", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("attrs", sa.JSON),
    )
    op.bulk_insert(
        lookups,
        [{"kind": k, "code": c, "sort_order": o, "attrs": a} for k, c, o, a in LOOKUPS],
    )
"""


def main() -> None:
    versions = HERE / "migrations" / "versions"
    for old in versions.glob("*_0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(f"sqlite+aiosqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    (path,) = versions.glob("*_0001_*.py")
    text = path.read_text()
    text = re.sub(r"Create Date: .*\n", "", text).replace("Revises: \n", "Revises:\n")
    text = text.replace(
        "import storage.types\n", "import storage.types\nfrom storage.lookup_seed import LOOKUPS\n"
    )
    text = text.replace(
        "    # ### end Alembic commands ###\n\n\ndef downgrade",
        "    # ### end Alembic commands ###\n" + SEED + "\n\ndef downgrade",
        1,
    )
    path.write_text(text)
    print(f"wrote {path.name}")  # noqa: T201


if __name__ == "__main__":
    main()
