"""Buttons over the life of the bot: they keep working after `summit-bot run` is restarted (persistent
`DynamicItem`s, votes in the store), and refuse politely once a `/reindex` removed the passages they cite."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bot.answering.engine import Engine
from bot.discord_app import buttons
from bot.settings import Settings
from bot.store import DATABASE_FILE
from tests.conftest import CORPUS_DIR, SLUG
from tests.discord_app.helpers import bot_process, run_command
from tests.discord_app.test_e2e_buttons import QUESTION, button, click, custom_ids
from tests.fake_discord import ADMIN_USER_ID, OTHER_USER_ID, USER_ID, FakeDiscord

from .conftest import index_copy
from .load import serving
from .test_admin import reindex


async def test_buttons_sent_before_a_restart_work_after_it(private_index: Settings, tmp_path: Path) -> None:
    env = {"SUMMIT_BOT_INDEX_DIR": str(private_index.index_dir)}
    async with FakeDiscord(callback_deadline=3.0) as fake:
        async with bot_process(fake, tmp_path, DISCORD_TOKEN=fake.token, **env) as first:
            await fake.wait_for_identify(1, timeout=90)
            await fake.wait_until_ready(timeout=90)
            state, _ = await run_command(fake, "ask", {"question": QUESTION}, user_id=USER_ID)
            message = state.original
            assert message is not None
            await click(fake, "sb:vote:up", message["id"], USER_ID, sent=2)
            state, _ = await click(fake, "sb:vote:down", message["id"], ADMIN_USER_ID, sent=2)
            [invite] = state.followups
            opener = fake.inject_component(custom_ids(invite)[0], invite["id"], user_id=ADMIN_USER_ID)
            assert (await fake.wait_for_ack(opener.id)).ack_type == 9  # the form is open as the bot stops
            assert await first.stop() == 0, first.logs()[-2000:]
        async with bot_process(fake, tmp_path, DISCORD_TOKEN=fake.token, **env) as second:
            await fake.wait_for_identify(2, timeout=90)
            state, _ = await click(fake, "sb:vote:up", message["id"], OTHER_USER_ID, sent=2)
            assert button(state.edits[0], "sb:vote:up")["label"] == "2"  # the vote before the restart counts
            more = next(c for c in custom_ids(message) if c.startswith("sb:more:"))
            state, [page] = await click(fake, more, message["id"], OTHER_USER_ID)
            assert page["embeds"][0]["fields"] and state.ephemeral
            state, [context] = await click(fake, custom_ids(message)[3], message["id"], OTHER_USER_ID)
            assert len(context["embeds"][0]["fields"]) == 3
            submitted = fake.inject_modal_submit(opener.id, ["Sent after the restart"])
            thanks = await fake.wait_for_followup(submitted.token, timeout=10)
            assert thanks.json["content"] == buttons.WHY_THANKS
            assert await second.stop() == 0
        logs = second.logs()
    assert "Traceback" not in logs and "ERROR" not in logs, logs[-3000:]
    with sqlite3.connect(tmp_path / "state" / DATABASE_FILE) as conn:
        assert conn.execute("SELECT value, comment FROM votes WHERE comment IS NOT NULL").fetchall() == [
            (-1, "Sent after the restart")]
    assert not [r for r in fake.requests if r.path.endswith("/callback") and not r.ok]


async def test_buttons_on_an_answer_whose_passages_a_reindex_removed_say_so(engine: Engine, tmp_path: Path) -> None:
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    private = Engine.open(index_copy(engine, tmp_path, corpus_dir=tmp_path / "corpus", cooldown_rate=100))
    async with serving(private, private.settings) as (fake, _):
        state, _ = await run_command(fake, "ask", {"question": QUESTION}, user_id=USER_ID)
        message = state.original
        assert message is not None
        cited = private.ask(QUESTION).citations[0].passage
        article = tmp_path / "corpus" / f"{SLUG}.md"
        text = article.read_text(encoding="utf-8")
        assert cited.text in text
        article.write_text(text.replace(cited.text + "\n", ""), encoding="utf-8")
        private_reply, reply = await reindex(fake)
        assert private_reply and reply.startswith("Reindexed:"), reply
        for custom_id in custom_ids(message)[2:4]:  # More, Context
            state, [answer] = await click(fake, custom_id, message["id"], OTHER_USER_ID)
            assert state.ack_type == 4 and state.ephemeral and answer["content"] == buttons.GONE, custom_id
        state, _ = await click(fake, "sb:vote:down", message["id"], OTHER_USER_ID, sent=2)  # a vote still counts
        assert button(state.edits[0], "sb:vote:down")["label"] == "1"
