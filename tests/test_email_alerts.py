"""Alert e-mails: what cannot wait a week, batched to at most one e-mail an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mentoring.alerts import send_due_alerts
from mentoring.runtime import Runtime
from settings import load_settings
from storage.models import Coordinator, InboxItem, Person, Programme
from tests.smtp_server import smtp_server

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def test_email_alerts_are_batched_to_one_an_hour(db_url: str, tmp_path: Path) -> None:
    clock = [T0]
    with smtp_server() as (port, inbox, _):
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
            smtp_security="none",
        )  # fmt: skip
        runtime = Runtime.build(settings, clock=lambda: clock[0])
        try:
            async with runtime.sessions() as session, session.begin():
                prog = Programme(name="P", unit_name="J", starts_on=T0.date(), ends_on=T0.date())
                session.add(prog)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
                await session.flush()
                ali = Person(programme_id=prog.id, role="youth", first_name="Ali", status="active")
                session.add(ali)
                await session.flush()
                for kind in ("unsure", "stop"):
                    session.add(
                        InboxItem(programme_id=prog.id, person_id=ali.id, kind=kind, created_at=T0)
                    )
            assert await send_due_alerts(runtime) == 1
            assert await send_due_alerts(runtime) == 0  # nothing new
            clock[0] = T0 + timedelta(minutes=10)
            async with runtime.sessions() as session, session.begin():
                session.add(
                    InboxItem(
                        programme_id=prog.id, person_id=ali.id, kind="message", created_at=clock[0]
                    )
                )
            assert await send_due_alerts(runtime) == 0  # within the hour: waits
            clock[0] = T0 + timedelta(minutes=61)
            assert await send_due_alerts(runtime) == 1
        finally:
            await runtime.close()
    first, second = (m for _, m in inbox.messages)
    assert str(first["Subject"]) == "2 nye sager venter på dig"
    text = first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert 'Ali: "jeg er i tvivl"' in text and "Ali: vil stoppe" in text
    assert str(second["Subject"]) == "1 ny sag venter på dig"
    assert "Ali: besked" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
