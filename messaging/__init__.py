"""Getting messages in and out: Telegram, Twilio SMS, SMTP e-mail, the outbox, rendering."""
