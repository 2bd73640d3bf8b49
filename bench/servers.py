"""Server processes for the load benchmarks: `mentorbot serve` and the bare baselines.

Every server is a separate process on 127.0.0.1, started the same way, so the full path and its
baseline pay the same process and socket costs; the load generator runs in the bench process.
The baselines (`python -m bench.servers bare-sms|echo-telegram PORT`):

- bare-sms: an aiohttp handler that reads the form and answers empty TwiML;
- echo-telegram: an aiogram echo bot behind the request handler `serve` uses (web.telegram's
  RecordFirstRequestHandler: handlers run before the answer), answering each message with
  sendMessage in the webhook response.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TELEGRAM_SECRET = "bench-webhook-secret"  # both Telegram servers check the secret-token header


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process; `url` is its base URL. Stop it with `stop()` (SIGTERM, then SIGKILL)."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                argv, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    async def ready(self, path: str = "/healthz", seconds: float = 180.0) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with client.get(self.url + path) as response:
                        if response.status < 500:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(env: dict[str, str], log: Path, port: int | None = None) -> Server:
    """`mentorbot serve` with this environment (DATABASE_URL, TWILIO_*, ...) on a free port."""
    port = port or free_port()
    base = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "APP_ENV": "development",
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "RUN_SCHEDULER": "false",
    }
    argv = [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(['serve']))"]
    return Server(argv, {**base, **env}, port, log)


def baseline(kind: str, log: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.servers", kind, str(port)]
    return Server(argv, {}, port, log)


@contextlib.contextmanager
def stopping(*servers: Server) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


# -- the baselines, run in their own process ------------------------------------------------


def bare_sms_app() -> web.Application:
    async def inbound(request: web.Request) -> web.Response:
        await request.post()
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/sms/inbound", inbound)
    app.router.add_get("/healthz", health)
    return app


def echo_telegram_app() -> web.Application:
    from aiogram import Bot, Dispatcher
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    from web.telegram import lenient

    class RecordFirstRequestHandler(SimpleRequestHandler):
        """Handles the update before answering (what `serve` did before its inbound journal);
        a malformed update is acknowledged."""

        async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
            try:
                update = lenient(await request.json(loads=bot.session.json_loads))
                result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
            except ValueError:  # pydantic's ValidationError is one
                return web.json_response({})
            return web.Response(body=self._build_response_writer(bot=bot, result=result))

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> object:
        return message.answer(message.text or "")  # returned in the webhook response

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    bot = Bot("42:BENCH")
    app = web.Application()
    RecordFirstRequestHandler(
        dispatcher=dispatcher, bot=bot, handle_in_background=False, secret_token=TELEGRAM_SECRET
    ).register(app, path="/telegram/webhook")
    app.router.add_get("/healthz", health)
    return app


def main(argv: list[str]) -> None:
    kind, port = argv[0], int(argv[1])
    app = bare_sms_app() if kind == "bare-sms" else echo_telegram_app()
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(sys.argv[1:])
