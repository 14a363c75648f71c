"""`summit-bot run`: open the engine, connect, serve until SIGINT/SIGTERM.

Failures a person can fix (no token, a rejected token, a broken corpus or index, a guild the bot
cannot sync to) end with one line on stderr and a non-zero exit code, never a traceback. The
token is redacted from every log record, whatever the level.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.errors import describe
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.answering.engine import Engine

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"


class RedactSecret(logging.Filter):
    """Replaces a secret in a record's message, traceback and stack with "[redacted]"."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        return text.replace(self.secret, REDACTED) if self.secret else text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class RepeatLimit(logging.Filter):
    """Lets the same message (its template and logger) through at most once per `interval` seconds.

    A fault that repeats in a tight loop (asyncio's "socket.accept() out of system resource" when the
    process runs out of open files logs ~15,000 times a second) must not flood the log: the first is
    logged, later ones within the interval are counted, and the next one let through says how many.
    """

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._interval, self._clock = interval, clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self._interval:.0f} s not logged]"
        if len(self._last) > 10_000:  # bounded, whatever the variety of messages
            self._last.clear()
        return True


def configure_logging(settings: Settings, secret: str) -> None:
    """Levels for `bot` and `discord`, timestamps on the console, and the token redacted everywhere.

    `SUMMIT_BOT_LOG_LEVEL`, when set, applies to both loggers (DEBUG shows discord.py's gateway
    traffic); otherwise the command line's level (`-v`, `-q`) applies to `bot` and discord.py
    logs at INFO or above.
    """
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    redactor, repeats = RedactSecret(secret), RepeatLimit()
    for handler in root.handlers:
        handler.addFilter(repeats)
        handler.addFilter(redactor)
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
    bot_logger, discord_logger = logging.getLogger("bot"), logging.getLogger("discord")
    if "log_level" in settings.model_fields_set:
        level = logging.getLevelNamesMapping()[settings.log_level.upper()]
        bot_logger.setLevel(level)
        discord_logger.setLevel(level)
    else:
        if bot_logger.level == logging.NOTSET:
            bot_logger.setLevel(logging.INFO)
        discord_logger.setLevel(max(logging.INFO, bot_logger.level))


def _fail(message: str, secret: str = "") -> None:
    if secret:
        message = message.replace(secret, REDACTED)
    print(f"summit-bot: {message}", file=sys.stderr, flush=True)


def run_bot(settings: Settings, force_sync: bool = False, **options: Any) -> int:
    """Run the Discord bot until it is stopped; the exit code for `summit-bot run`."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        _fail("DISCORD_TOKEN is not set: put the bot token in the environment or in .env "
              "(README.md, section Discord, steps 1 and 3)")
        return EXIT_USAGE
    if settings.log_level.upper() not in logging.getLevelNamesMapping():
        _fail(f"SUMMIT_BOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {settings.log_level!r}")
        return EXIT_USAGE
    configure_logging(settings, token)

    from bot.answering.engine import Engine  # heavy: numpy, the model

    try:  # before connecting: a broken corpus or index must not leave a half-working bot online
        engine = Engine.open(settings, progress=sys.stderr.isatty())
        engine.warm_up()
    except Exception as exc:
        message = describe(exc)
        if message is None:
            log.debug("opening the engine failed", exc_info=True)
            message = f"cannot open the index: {exc.__class__.__name__}: {exc}"
        _fail(message, token)
        return EXIT_FAILED
    log.info("index ready: %d passages, model %s", engine.info.passages, engine.info.model_id)
    return asyncio.run(serve(engine, settings, token, force_sync=force_sync, **options))


async def serve(engine: Engine, settings: Settings, token: str, *, force_sync: bool = False, **options: Any) -> int:
    """Connect and answer until SIGINT/SIGTERM (or `bot.close()`); the exit code."""
    from .client import make_bot
    from .sync import SyncError

    bot = make_bot(engine, settings, force_sync=force_sync, **options)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def stop(signum: signal.Signals) -> None:
        if not stopping:
            log.info("%s received; finishing the answers in flight, then disconnecting", signum.name)
            stopping.append(loop.create_task(bot.shutdown()))  # answers in flight first, then close

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    try:
        async with bot:
            await bot.start(token)
    except (discord.LoginFailure, discord.ConnectionClosed) as exc:
        if isinstance(exc, discord.ConnectionClosed) and exc.code != 4004:
            raise
        _fail("Discord rejected DISCORD_TOKEN (check the bot token in the Developer Portal, Bot → Reset Token)")
        return EXIT_USAGE
    except SyncError as exc:
        _fail(str(exc), token)
        return EXIT_FAILED
    except (aiohttp.ClientError, OSError) as exc:
        if stopping:
            return EXIT_OK
        _fail(f"cannot reach Discord: {exc.__class__.__name__}: {exc}", token)
        return EXIT_FAILED
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if stopping:
            await stopping[0]
    log.info("disconnected")
    return EXIT_OK
