"""Ask the real bot four questions through a fake Discord and save what it sends, as JSON and as PNG.

    .venv/bin/python docs/replies/capture.py

The bot is started the way the end-to-end tests start it (tests/discord_app/conftest.py): the real
engine over the project corpus with a fresh index, the real discord.py client, connected over a real
websocket to the fake Discord in tests/fake_discord/. Each question is asked with `/ask` by its own
member (fixed ids, so the saved files do not change from run to run), and the first message the bot
sends for it (embeds and buttons, exactly as the fake received it) is written to docs/replies/<name>.json;
docs/replies/render.py then draws docs/replies/<name>.png. tests/discord_app/test_reply_pictures.py
checks that the saved replies still match what the bot sends.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # `tests` and `bot` are imported from the checkout
    sys.path.insert(0, str(ROOT))

ASKER = "ana"  # the member shown asking, above each picture
BOT_NAME = "summit-bot"
FIRST_ASKER_ID = 1178004000000000901  # fixed ids: custom_ids that carry the asker stay the same run to run
WIDTH = 700
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")  # as render.py looks


@dataclass(frozen=True)
class Example:
    name: str
    question: str
    locale: str


EXAMPLES = (
    Example("high", "What did Maduro propose for the region's food supply?", "en-US"),
    Example("maybe", "What did Skerrit say?", "en-US"),
    Example("refusal", "did petro or lula attend?", "en-US"),
    Example("spanish", "¿Qué propuso Maduro para el suministro de alimentos de la región?", "es-419"),
)


def asker_id(index: int) -> int:
    """The member who asks example `index` (each its own, so no one runs into the cooldown)."""
    return FIRST_ASKER_ID + index


def load_renderer() -> ModuleType:
    """docs/replies/render.py (not a package: loaded from its path)."""
    spec = importlib.util.spec_from_file_location("reply_pictures_render", HERE / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def record(example: Example, payload: dict[str, Any]) -> dict[str, Any]:
    """What is saved for one example: the question, the client's locale, the asker and the payload."""
    return {"question": example.question, "locale": example.locale, "asker": ASKER, "payload": payload}


def dumps(data: object) -> str:
    """The saved form: pretty-printed, sorted keys, UTF-8 characters kept, one final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


async def capture(work: Path) -> dict[str, dict[str, Any]]:
    """Start the fake Discord and the real bot, ask each example; {name: first payload sent}."""
    from bot.answering.engine import Engine
    from tests.conftest import make_settings
    from tests.discord_app.helpers import connected_bot, run_command
    from tests.fake_discord import CHANNEL_ID, FakeDiscord

    # As the `settings`, `engine` and `bot_settings` fixtures: a fresh index and state, answers in #general.
    settings = make_settings(work / "summit")
    engine = Engine.open(settings)
    engine.warm_up()
    bot_settings = make_settings(work / "bot", index_dir=settings.index_dir,
                                 allowed_channel_ids=frozenset({CHANNEL_ID}), cooldown_rate=3, cooldown_seconds=60.0)
    sent: dict[str, dict[str, Any]] = {}
    async with FakeDiscord(callback_deadline=3.0) as fake:
        for i, _ in enumerate(EXAMPLES):
            fake.add_user(ASKER, user_id=asker_id(i))
        async with connected_bot(fake, engine, bot_settings):
            for i, example in enumerate(EXAMPLES):
                state, payloads = await run_command(fake, "ask", {"question": example.question},
                                                    user_id=asker_id(i), locale=example.locale)
                if state.rejections:
                    raise RuntimeError(f"the fake Discord rejected the reply to {example.question!r}: "
                                       f"{state.rejections}")
                sent[example.name] = payloads[0]
    if fake.internal_errors:
        raise RuntimeError(f"the fake Discord failed inside: {fake.internal_errors}")
    return sent


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        print(__doc__.strip() if __doc__ else "usage: capture.py")
        return 0 if args[0] in ("-h", "--help") else 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="reply-pictures-") as work:
        sent = asyncio.run(capture(Path(work)))
    saved = []
    for example in EXAMPLES:
        path = HERE / f"{example.name}.json"
        path.write_text(dumps(record(example, sent[example.name])), encoding="utf-8")
        saved.append(path)
        print(path.relative_to(ROOT))
    if not any(shutil.which(name) for name in CHROMIUMS):
        print("no pictures drawn: headless Chromium is not installed (apt-get install chromium); "
              "the JSON files are saved, rerun this once Chromium is there", file=sys.stderr)
        return 0
    render = load_renderer()
    for path in saved:
        data = json.loads(path.read_text(encoding="utf-8"))
        page = render.message_html(data["payload"], bot_name=BOT_NAME, asker=data["asker"], question=data["question"])
        render.render_png(page, path.with_suffix(".png"), width=WIDTH)
        print(path.with_suffix(".png").relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
