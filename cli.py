"""`mentorbot` command line. Exit codes: 0 success, 1 reported problems, 2 bad usage or config."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from core.runtime import Runtime
from logsetup import configure_logging
from mentoring import targets_cli
from ops import commands as ops_commands
from settings import Settings, SettingsError, load_settings
from storage.db import is_sqlite

log = logging.getLogger("mentorbot")

Command = Callable[[argparse.Namespace, Runtime], Awaitable[int]]


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


async def cmd_serve(args: argparse.Namespace, runtime: Runtime) -> int:
    from aiohttp import web

    from mentoring.demo import ensure_demo
    from web.app import create_app

    settings = runtime.settings
    if not settings.is_production:
        login = await ensure_demo(runtime)
        if login is not None:
            _out(f"Demo programme loaded. Log in at http://{settings.host}:{settings.port}/")
            _out(f"  e-mail: {login[0]}  password: {login[1]}")
            _out(f"  chat simulator: http://{settings.host}:{settings.port}/dev/chat")
    app = create_app(runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("listening", extra={"host": settings.host, "port": settings.port})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    return 0


async def cmd_db_upgrade(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.migrate import NewerDatabase, upgrade

    try:
        await upgrade(runtime.settings.db_url)
    except NewerDatabase as exc:
        _out(f"Not upgraded: {exc}")
        return 2
    _out("Database is up to date.")
    return 0


def _read_password() -> str | None:
    """From a prompt (asked twice) or the first line of stdin; None when the two differ."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            _out("The passwords differ.")
            return None
        return password
    return sys.stdin.readline().rstrip("\n")


async def cmd_coordinator_add(args: argparse.Namespace, runtime: Runtime) -> int:
    from core.statuses import CoordinatorRole
    from mentoring.coordinators import add_coordinator
    from mentoring.errors import DomainError
    from storage.db import unit_of_work

    password = _read_password()
    if password is None:
        return 2
    try:
        async with unit_of_work(runtime.sessions) as session:
            role = CoordinatorRole.VIEWER if args.viewer else CoordinatorRole.COORDINATOR
            await add_coordinator(session, args.email, password, name=args.name, role=role)
    except DomainError as exc:
        _out(runtime.renderer.error(exc.key, runtime.settings.default_language, **exc.params))
        return 1
    _out(f"{'Viewer (read-only)' if args.viewer else 'Coordinator'} {args.email} added.")
    return 0


async def cmd_coordinator_password(args: argparse.Namespace, runtime: Runtime) -> int:
    """A new password; every dashboard session of that coordinator ends."""
    from mentoring.errors import DomainError
    from mentoring.logins import set_password
    from storage.db import unit_of_work

    password = _read_password()
    if password is None:
        return 2
    try:
        async with unit_of_work(runtime.sessions) as session:
            await set_password(session, args.email, password)
    except DomainError as exc:
        _out(runtime.renderer.error(exc.key, runtime.settings.default_language, **exc.params))
        return 1
    _out(f"Password changed for {args.email}; every session of theirs has ended.")
    return 0


async def cmd_demo(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.demo import load_demo

    summary = await load_demo(runtime)
    _out(
        "Demo programme: "
        + ", ".join(f"{n} {what}" for what, n in summary.items() if what != "password")
    )
    return 0


async def cmd_import(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.importing import import_csv

    result = await import_csv(
        runtime, args.kind, Path(args.file), dry_run=args.dry_run, actor="cli:import"
    )
    for line_no, message in result.rejected:
        _out(f"line {line_no}: {message}")
    verb = "would import" if args.dry_run else "imported"
    _out(
        f"{verb} {result.imported}, already there {result.skipped}, rejected {len(result.rejected)}"
    )
    return 1 if result.rejected else 0


async def cmd_followups(args: argparse.Namespace, runtime: Runtime) -> int:
    """The follow-ups due in the next N days as a table (when, who, what, why), or --json."""
    import json
    from datetime import timedelta

    from mentoring.followups.listing import planned

    if args.days < 0:
        _out("--days must be 0 or more.")
        return 2
    now, tz = runtime.clock(), runtime.settings.tz
    language = runtime.settings.default_language
    async with runtime.sessions() as session:
        rows = await planned(
            session,
            runtime.renderer,
            now=now,
            until=now + timedelta(days=args.days),
            tz=tz,
            language=language,
        )
    if args.json:
        _out(
            json.dumps(
                [
                    {
                        "when": r.due_at.astimezone(tz).isoformat(),
                        "overdue": r.overdue,
                        "who": r.who,
                        "role": r.role,
                        "what": r.what,
                        "why": r.why,
                        "kind": r.kind,
                        "key": r.key,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    table = [("WHEN", "WHO", "WHAT", "WHY")] + [
        (
            r.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") + (" !" if r.overdue else ""),
            f"{r.who or '-'} ({r.role})",
            _cut(r.what, 60),
            r.why,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        _out("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    _out(f"{len(rows)} follow-ups due in the next {args.days} days (! = overdue).")
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


async def cmd_digest(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.digest_mail import send_weekly_digest, write_preview
    from mentoring.digest_model import parse_week
    from mentoring.errors import DomainError

    language = runtime.settings.default_language
    try:
        if args.week:
            parse_week(args.week)
        if args.preview:
            path = await write_preview(runtime, args.week, Path(args.preview), language)
            _out(f"Digest preview written to {path}.")
            return 0
        sent = await send_weekly_digest(runtime, args.week)
    except DomainError as exc:
        _out(runtime.renderer.error(exc.key, language, **exc.params))
        return 2
    _out(f"Digest sent in {sent} e-mail(s).")
    return 0 if sent else 1


async def cmd_report(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.report import write_report

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv") or args.date_from > args.date_to:
        _out("Give --out FILE.xlsx or FILE.csv, and --from on or before --to.")
        return 2
    await write_report(runtime, args.date_from, args.date_to, out)
    if out.suffix.lower() == ".csv":
        _out((await asyncio.to_thread(out.read_text, encoding="utf-8")).rstrip("\n"))
    _out(f"Report written to {out}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("serve", help="run the web app, bots and scheduler").set_defaults(fn=cmd_serve)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(fn=cmd_db_upgrade)

    sub.add_parser("demo", help="load an invented demo programme").set_defaults(fn=cmd_demo)

    coord = sub.add_parser("coordinator").add_subparsers(dest="coord_command", required=True)
    add = coord.add_parser("add", help="add a coordinator; password from a prompt or stdin")
    add.add_argument("email")
    add.add_argument("--name")
    add.add_argument(
        "--viewer",
        action="store_true",
        help="read-only: figures and lists without contact details (steering group, Task Force)",
    )
    add.set_defaults(fn=cmd_coordinator_add)
    pwd = coord.add_parser("password", help="set a new password (stdin or prompt); signs out")
    pwd.add_argument("email")
    pwd.set_defaults(fn=cmd_coordinator_password)

    imp = sub.add_parser("import", help="import youths or mentors from CSV")
    imp.add_argument(
        "kind", choices=["youths", "mentors", "pairs", "outcomes", "companies", "openings"]
    )
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
    imp.set_defaults(fn=cmd_import)

    dig = sub.add_parser("digest", help="preview or send the weekly digest")
    dig.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: last week)")
    how = dig.add_mutually_exclusive_group(required=True)
    how.add_argument("--preview", metavar="FILE", help="write the digest as an HTML page")
    how.add_argument("--send", action="store_true", help="e-mail it to the recipients")
    dig.set_defaults(fn=cmd_digest)

    rep = sub.add_parser("report", help="the committee report as .xlsx or .csv")
    rep.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True)
    rep.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True)
    rep.add_argument("--out", required=True, metavar="FILE")
    rep.set_defaults(fn=cmd_report)

    fol = sub.add_parser("followups", help="list the follow-ups due in the next N days")
    fol.add_argument("--days", type=int, default=7)
    fol.add_argument("--json", action="store_true", help="one JSON list, for scripts")
    fol.set_defaults(fn=cmd_followups)

    ops_commands.register(sub)
    targets_cli.add_commands(sub)
    return parser


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import NewerDatabase, upgrade

    if is_sqlite(settings.db_url) and not getattr(args, "own_checks", False):
        try:
            await upgrade(settings.db_url)  # the embedded database is always kept up to date
        except NewerDatabase as exc:
            raise SettingsError(f"DATABASE_URL: {exc}") from None
    runtime = Runtime.build(settings)
    try:
        return int(await args.fn(args, runtime))
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    # Everything we write (the database, e-mails to disk, backups, the development key) is
    # personal data or a secret: readable by this user only (SECURITY.md).
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if not getattr(args, "own_checks", False):
            settings.check_production()
    except SettingsError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    configure_logging(settings.is_production)
    try:
        return asyncio.run(_run(args, settings))
    except SettingsError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
