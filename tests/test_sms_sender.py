"""TwilioSender against a fake Twilio REST API over real HTTP, answering the documented JSON."""

from __future__ import annotations

import pytest

from messaging.senders import PermanentFailure, TemporaryFailure
from messaging.sms import TwilioSender
from settings import load_settings
from storage.models import OutboxMessage
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, TOKEN, sms_settings

NUMBER = "+4520123456"


def message(body: str = "Hej Sara, vi ses tirsdag kl. 15.00.", to: str = NUMBER) -> OutboxMessage:
    return OutboxMessage(id=7, channel="sms", address=to, template="t", body=body, attempts=0)


async def test_sms_sender_sends_and_returns_message_sid(twilio: FakeTwilio) -> None:
    settings = sms_settings(twilio.base_url, public_base_url="https://mentor.example.dk")
    sender = await TwilioSender.open(settings)
    try:
        sent = await sender.send(message())
    finally:
        await sender.close()
    assert sent.provider_id is not None and sent.provider_id.startswith("SM")
    [form] = twilio.accepted
    assert form["To"] == NUMBER
    assert form["From"] == "+4571999999"
    assert form["Body"] == "Hej Sara, vi ses tirsdag kl. 15.00."
    assert form["StatusCallback"] == "https://mentor.example.dk/sms/status?id=7"


async def test_sms_sender_keeps_text_gsm7_and_drops_links(twilio: FakeTwilio) -> None:
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    try:
        await sender.send(message("\u201cCafé Møllen\u201d \u2013 se https://x.dk/a i dag\u2026"))
    finally:
        await sender.close()
    assert twilio.accepted[0]["Body"] == '"Café Møllen" - se i dag...'
    assert "StatusCallback" not in twilio.accepted[0]


async def test_sms_sender_via_messaging_service(twilio: FakeTwilio) -> None:
    settings = load_settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_messaging_service_sid="MG" + "1" * 32,
        twilio_api_url=twilio.base_url,
    )
    sender = await TwilioSender.open(settings)
    try:
        sent = await sender.send(message())
    finally:
        await sender.close()
    assert sent.provider_id
    assert twilio.accepted[0]["MessagingServiceSid"] == "MG" + "1" * 32


@pytest.mark.parametrize(
    ("failure", "state"),
    [("21610", "opted_out"), ("21211", "invalid"), ("21614", "invalid")],
)
async def test_sms_sender_permanent_errors_name_the_state(
    twilio: FakeTwilio, failure: str, state: str
) -> None:
    twilio.fail(NUMBER, failure)
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    try:
        with pytest.raises(PermanentFailure) as info:
            await sender.send(message())
    finally:
        await sender.close()
    assert info.value.state == state
    assert twilio.accepted == []


@pytest.mark.parametrize("failure", ["429", "500"])
async def test_sms_sender_temporary_errors_are_retryable(twilio: FakeTwilio, failure: str) -> None:
    twilio.fail(NUMBER, failure)
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    try:
        with pytest.raises(TemporaryFailure):
            await sender.send(message())
        await sender.send(message())
    finally:
        await sender.close()
    assert len(twilio.accepted) == 1


async def test_sms_sender_timeout_is_temporary(twilio: FakeTwilio) -> None:
    twilio.fail(NUMBER, "timeout")
    twilio.hang_seconds = 2
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    sender.timeout = 0.2
    try:
        with pytest.raises(TemporaryFailure, match="timeout"):
            await sender.send(message())
    finally:
        await sender.close()


async def test_sms_sender_wrong_token_is_not_blamed_on_the_number(twilio: FakeTwilio) -> None:
    settings = load_settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token="wrong",
        twilio_from_number="+4571999999",
        twilio_api_url=twilio.base_url,
    )
    sender = await TwilioSender.open(settings)
    try:
        with pytest.raises(TemporaryFailure, match="401"):
            await sender.send(message())
    finally:
        await sender.close()
