"""The aiohttp application: webhooks, health and metrics, the dashboard, the chat simulator."""
