"""`/reindex`: registered for server managers only, refused at run time to anyone else, and for an admin
a reload of the corpus and index that swaps in at once while questions keep being answered
(`Engine.reload`, tested here too)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.corpus.articles import CorpusError
from tests.conftest import CORPUS_DIR
from tests.discord_app.helpers import run_command, shown_text
from tests.fake_discord import ADMIN_ROLE_ID, ADMIN_USER_ID, GUILD_ID, FakeDiscord

from .conftest import ASKS, USERS, WINDOW, assert_healthy, index_copy
from .load import measure, new_users, serving

NEW_ARTICLE = """+++
title = "Delegates sign the Zorblax Accord"
author = "Test Writer"
published = 2025-02-07
outlet = "Test Outlet"
+++

The delegates signed the Zorblax Accord on shared lunar fisheries, a pact with no precedent in the region.

Under the Zorblax Accord, every member state pledged to share its lunar fishing quotas with its neighbours.
"""
NEW_QUESTION = "What is the Zorblax Accord on lunar fisheries?"
MANAGE_GUILD = str(1 << 5)


@pytest.fixture
def admin_engine(engine: Engine, tmp_path: Path) -> Engine:
    """An engine over private copies of the corpus and index, which `/reindex` may change."""
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    return Engine.open(index_copy(engine, tmp_path, corpus_dir=tmp_path / "corpus", cooldown_rate=100))


def add_article(engine: Engine) -> None:
    (engine.settings.corpus_dir / "zorblax-accord.md").write_text(NEW_ARTICLE, encoding="utf-8")


def cites_new_article(engine: Engine) -> bool:
    answer = engine.ask(NEW_QUESTION)
    return answer.answered and answer.citations[0].article.slug == "zorblax-accord"


async def reindex(fake: FakeDiscord, user_id: int = ADMIN_USER_ID, *, guild_id: int | None = GUILD_ID,
                  **options: object) -> tuple[bool, str]:
    """Run `/reindex` as `user_id` (in the server, or in a DM); whether the reply was private, and its text."""
    state, [payload] = await run_command(fake, "reindex", dict(options), user_id=user_id, guild_id=guild_id)
    return state.ephemeral, payload["content"]


async def test_reindex_is_for_server_managers_and_checked_when_run(
    admin_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    before = admin_engine.index
    async with serving(admin_engine, admin_engine.settings) as (fake, bot):
        [command] = [c for c in fake.registered_commands(None) if c["name"] == "reindex"]
        assert command["default_member_permissions"] == MANAGE_GUILD  # Discord shows it to managers only
        assert command["dm_permission"] is False and command["contexts"] == [0]  # in servers only
        assert [(o["name"], o["type"], o.get("required", False)) for o in command["options"]] == [
            ("force", 5, False)]

        # A server may show it to others (Integrations settings): the run-time check still refuses them.
        [member] = new_users(fake, 1)
        with caplog.at_level(logging.INFO, logger="bot"):
            private, text = await reindex(fake, member)
        assert private and text == "Only members with the Manage Server permission can use that command."
        assert f"/reindex refused for user {member}" in caplog.text
        private, text = await reindex(fake, guild_id=None)  # not even the owner, in a DM
        assert private and text == "That command only works in a server."
        assert admin_engine.index is before

        with caplog.at_level(logging.INFO, logger="bot"):
            private, text = await reindex(fake)  # the owner
        passages = len(admin_engine.index)
        assert private and text == f"Reindexed: {passages} passages from 1 article(s); index loaded unchanged."
        assert f"/reindex by user {ADMIN_USER_ID}: {passages} passages" in caplog.text
        role_admin = fake.add_user("role-admin", roles=[ADMIN_ROLE_ID]).id
        private, text = await reindex(fake, role_admin, force=True)
        assert private and text.startswith(f"Reindexed: {passages} passages from 1 article(s); index rebuilt in ")
        assert admin_engine.index is not before and bot.engine is admin_engine


async def test_reindex_picks_up_a_new_article_while_questions_keep_being_answered(admin_engine: Engine) -> None:
    assert not cites_new_article(admin_engine)
    old = len(admin_engine.index)
    add_article(admin_engine)
    async with serving(admin_engine, admin_engine.settings) as (fake, _):
        running: list[asyncio.Task[tuple[bool, str]]] = []

        async def start_reindex() -> None:
            running.append(asyncio.create_task(reindex(fake)))

        report = await measure(fake, admin_engine, new_users(fake, USERS), asks=ASKS, window=WINDOW,
                               hooks={ASKS // 4: start_reindex})
        private, text = await running[0]
    assert_healthy(report, admin_engine.settings)  # the rebuild ran beside the load, not in its way
    new = len(admin_engine.index)
    assert new > old and private and text.startswith(f"Reindexed: {new} passages from 2 article(s); index rebuilt in ")
    assert cites_new_article(admin_engine)


async def test_a_broken_corpus_is_reported_to_the_admin_and_the_old_index_kept(
    admin_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    before = admin_engine.index
    broken = admin_engine.settings.corpus_dir / "broken.md"
    broken.write_text("+++\ntitle = \n+++\n\nA paragraph.\n", encoding="utf-8")
    async with serving(admin_engine, admin_engine.settings) as (fake, _):
        with caplog.at_level(logging.WARNING, logger="bot"):
            private, text = await reindex(fake)
        _, [payload] = await run_command(fake, "ask", {"question": "What did Maduro propose?"})
    shown = shown_text(text)  # the reason is escaped (markdown in a path must not format anything)
    assert private and shown.startswith(f"Could not reindex: broken corpus file: {broken}: bad front matter (TOML): ")
    assert shown.endswith("Still answering from the previous index.")
    assert "/reindex by user" in caplog.text and "Traceback" not in caplog.text
    assert admin_engine.index is before and payload["embeds"]


def test_engine_reload_swaps_corpus_and_index_at_once_under_concurrent_questions(admin_engine: Engine) -> None:
    add_article(admin_engine)
    failures: list[BaseException] = []
    seen_new: dict[int, list[bool]] = {}  # per asking thread, in order: did the answer cite the new article?
    stop = threading.Event()

    def keep_asking() -> None:
        mine = seen_new.setdefault(threading.get_ident(), [])
        while not stop.is_set():
            try:
                answer = admin_engine.ask(NEW_QUESTION)
                mine.append(any(c.article.slug == "zorblax-accord" for c in answer.citations))
            except BaseException as exc:  # a torn state would show as a KeyError or IndexError here
                failures.append(exc)

    askers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        report = admin_engine.reload()
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert not failures
    # Once a thread's answer came from the new corpus, none after it came from the old one: one swap, at once.
    for flags in seen_new.values():
        assert flags == sorted(flags), flags
    assert report is not None and report.encoded > 0  # the new article's texts were embedded
    assert admin_engine.retriever.index is admin_engine.index
    assert len(admin_engine.index) == len(admin_engine.catalog.passages) == admin_engine.info.passages
    assert cites_new_article(admin_engine)
    assert admin_engine.reload() is None  # nothing changed since: the saved index is loaded as is


def test_engine_reload_leaves_everything_as_it_was_when_the_corpus_is_broken(admin_engine: Engine) -> None:
    before = (admin_engine.catalog, admin_engine.index, admin_engine.retriever)
    (admin_engine.settings.corpus_dir / "broken.md").write_text("no front matter\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="missing front matter"):
        admin_engine.reload()
    assert (admin_engine.catalog, admin_engine.index, admin_engine.retriever) == before
