"""The Telegram front end on aiogram: routers, middlewares, commands menu, dispatcher assembly."""
