"""The conversation: channel-neutral flows, answer parsing, and the Telegram front end (aiogram)."""
