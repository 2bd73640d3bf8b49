"""Fake external servers spoken to over real HTTP: the Telegram Bot API (and, elsewhere, Twilio)."""
