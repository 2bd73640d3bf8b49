"""SMS encoding and segment counting (3GPP TS 23.038) and typed-text normalising."""

from __future__ import annotations

import pytest

from messaging.gsm7 import is_gsm7, sms_cost, to_gsm7


def test_gsm7_danish_letters_stay_gsm7() -> None:
    cost = sms_cost("Hej Søren, vi ses på Café Ærø i Århus. Det bliver godt!")
    assert cost.encoding == "GSM-7"
    assert cost.segments == 1


@pytest.mark.parametrize("char", ["\u2019", "\u201c", "\u2013", "\u2014", "\u2026", "\u00a0", "á"])
def test_gsm7_one_smart_character_switches_to_ucs2(char: str) -> None:
    assert sms_cost(f"Vi ses i morgen{char}").encoding == "UCS-2"


def test_gsm7_segment_boundaries() -> None:
    assert sms_cost("a" * 160).segments == 1
    assert sms_cost("a" * 161).segments == 2
    assert sms_cost("a" * 306).segments == 2
    assert sms_cost("a" * 307).segments == 3
    assert sms_cost("ø" * 70).segments == 1  # ø is GSM-7: still one segment
    assert sms_cost("ó" * 70).segments == 1
    assert sms_cost("ó" * 71).segments == 2
    assert sms_cost("ó" * 134).segments == 2
    assert sms_cost("ó" * 135).segments == 3
    assert sms_cost("").segments == 0


def test_gsm7_extension_characters_count_two() -> None:
    cost = sms_cost("€" * 80)
    assert (cost.encoding, cost.units, cost.segments) == ("GSM-7", 160, 1)
    assert sms_cost("€" * 80 + "a").segments == 2


def test_gsm7_emoji_counts_two_units() -> None:
    cost = sms_cost("\U0001f44d" * 35)
    assert (cost.encoding, cost.units, cost.segments) == ("UCS-2", 70, 1)
    assert sms_cost("\U0001f44d" * 36).segments == 2


def test_gsm7_normaliser_turns_typed_text_into_gsm7() -> None:
    typed = (
        "\u201cCaf\u00e9 M\u00f8llen\u201d \u2013 kl. 15\u202f00\u2026 "
        "Jos\u00e9\u2019s \u00e1 \U0001f600"
    )
    text = to_gsm7(typed)
    assert text == '"Café Møllen" - kl. 15 00... José\'s a'
    assert is_gsm7(text)


def test_gsm7_normaliser_keeps_plain_danish_unchanged() -> None:
    text = "Mødet er tirsdag d. 8. december kl. 15.00 på Østergade 12, 2. th."
    assert to_gsm7(text) == text
