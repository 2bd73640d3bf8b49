"""The operator's commands: doctor, provider set-up, backup and restore (registered by cli).

Each prints what it did or found in one line per thing, and returns the exit code the README
names: 0 success, 1 reported problems (the doctor's warnings), 2 errors or bad configuration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.runtime import Runtime


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


async def cmd_doctor(args: argparse.Namespace, runtime: Runtime) -> int:
    from ops.doctor import diagnose

    findings, code = await diagnose(runtime.settings, send_test=args.send_test)
    for finding in findings:
        _out(finding.line())
    _out({0: "All ok.", 1: "Warnings: see above.", 2: "Errors: fix them before going live."}[code])
    return code


async def cmd_telegram_webhook(args: argparse.Namespace, runtime: Runtime) -> int:
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

    from ops import providers

    settings = runtime.settings
    try:
        if args.action == "info":
            for line in await providers.webhook_info_lines(settings):
                _out(line)
        elif args.action == "set":
            from bot.telegram.setup import build_dispatcher

            used = build_dispatcher(runtime).resolve_used_update_types()
            _out(await providers.set_webhook(settings, used))
        else:
            _out(await providers.delete_webhook(settings))
    except providers.SetupError as exc:
        _out(str(exc))
        return 2
    except (TelegramAPIError, TelegramNetworkError) as exc:
        _out(providers.telegram_error(exc))
        return 2
    return 0


async def cmd_twilio_configure(args: argparse.Namespace, runtime: Runtime) -> int:
    from twilio.base.exceptions import TwilioException

    from ops import providers

    try:
        for line in await providers.configure_twilio(runtime.settings):
            _out(line)
    except providers.SetupError as exc:
        _out(str(exc))
        return 2
    except (TwilioException, OSError) as exc:
        _out(providers.twilio_error(exc))
        return 2
    return 0


async def cmd_backup(args: argparse.Namespace, runtime: Runtime) -> int:
    from ops.backup import BackupError, backup

    try:
        await backup(runtime.settings.db_url, Path(args.file))
    except BackupError as exc:
        _out(f"No backup: {exc}")
        return 2
    _out(f"Backup written to {args.file}.")
    return 0


async def cmd_restore(args: argparse.Namespace, runtime: Runtime) -> int:
    from ops.backup import BackupError, restore

    await runtime.engine.dispose()  # nothing of ours holds the database while it is replaced
    try:
        done = await restore(runtime.settings.db_url, Path(args.file), force=args.force)
    except BackupError as exc:
        _out(f"Nothing restored: {exc}")
        return 2
    _out(f"Restored {args.file} (taken at revision {done.revision}, now up to date).")
    _out(f"Erased again after the restore: {done.erasures_reapplied} person(s).")
    return 0


async def cmd_dispatch(args: argparse.Namespace, runtime: Runtime) -> int:
    """A sender of its own (deploy/systemd/mentorbot-dispatcher.service): it keeps the outbox
    moving while the web app restarts; it shares the work with serve's (messaging.dispatcher)."""
    from datetime import timedelta

    from mentoring.delivery_news import run_alone

    await run_alone(runtime, timedelta(seconds=args.lease), args.until_empty)
    return 0


def register(sub: Any) -> None:
    """Add the commands to cli's subparsers. `own_checks`: the command reports the production
    refusals and the schema state itself instead of stopping on them (cli skips both)."""
    doc = sub.add_parser("doctor", help="check the installation: database, providers, settings")
    doc.add_argument("--send-test", metavar="ADDRESS", help="also e-mail a test message")
    doc.set_defaults(fn=cmd_doctor, own_checks=True)

    tg = sub.add_parser("telegram", help="the Telegram bot's set-up")
    tg_sub = tg.add_subparsers(dest="telegram_command", required=True)
    webhook = tg_sub.add_parser("webhook", help="register, remove or show the webhook")
    webhook.add_argument("action", choices=["set", "delete", "info"])
    webhook.set_defaults(fn=cmd_telegram_webhook)

    tw = sub.add_parser("twilio", help="the Twilio SMS set-up")
    tw_sub = tw.add_subparsers(dest="twilio_command", required=True)
    tw_sub.add_parser(
        "configure", help="point the number's or messaging service's URLs at PUBLIC_BASE_URL"
    ).set_defaults(fn=cmd_twilio_configure)

    dis = sub.add_parser("dispatch", help="send the outbox (a process beside serve)")
    dis.add_argument("--lease", type=float, default=60.0, help="seconds a claimed row is held")
    dis.add_argument("--until-empty", action="store_true", help="exit when nothing is left")
    dis.set_defaults(fn=cmd_dispatch)

    bak = sub.add_parser("backup", help="copy the whole database into FILE")
    bak.add_argument("file")
    bak.set_defaults(fn=cmd_backup)

    res = sub.add_parser("restore", help="load a backup into an empty database")
    res.add_argument("file")
    res.add_argument("--force", action="store_true", help="replace a database that holds data")
    res.set_defaults(fn=cmd_restore, own_checks=True)
