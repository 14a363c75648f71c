"""Self-test: a real discord.py ``commands.Bot`` driven end to end through ``FakeDiscord``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from . import (
    APPLICATION_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    USER_ID,
    FakeDiscord,
    running_bot,
)

MODES = ["defer", "ephemeral", "double", "slow", "long", "early", "defer-ephemeral"]


class ProbeBot(commands.Bot):
    """Minimal bot: one slash command (``/probe``), one autocomplete, one ``on_message`` handler."""

    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.failures: dict[str, Exception] = {}
        self.calls: list[tuple[str, int]] = []
        self.seen: list[str] = []

    async def setup_hook(self) -> None:
        bot = self

        async def mode_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            if current == "many":  # deliberately over Discord's 25-choice limit
                return [app_commands.Choice(name=f"choice {i}", value=str(i)) for i in range(30)]
            return [app_commands.Choice(name=m, value=m) for m in MODES if current in m]

        @app_commands.command(name="probe", description="Exercise the fake")
        @app_commands.autocomplete(mode=mode_autocomplete)
        async def probe(interaction: discord.Interaction, mode: str, count: int = 1) -> None:
            bot.calls.append((mode, count))
            try:
                await bot.run_mode(interaction, mode, count)
            except Exception as exc:  # recorded for the test to inspect
                bot.failures[mode] = exc

        self.tree.add_command(probe)
        await self.tree.sync()  # global
        guild = discord.Object(GUILD_ID)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    async def run_mode(self, interaction: discord.Interaction, mode: str, count: int) -> None:
        if mode in ("defer", "defer-ephemeral"):
            await interaction.response.defer(thinking=True, ephemeral=mode == "defer-ephemeral")
            embed = discord.Embed(title="Result", description=f"count={count}")
            await interaction.followup.send(embed=embed, ephemeral=False)
        elif mode == "ephemeral":
            await interaction.response.send_message("only you can see this", ephemeral=True)
        elif mode == "double":
            await interaction.response.send_message("first")
            # A second, independent responder for the same interaction (e.g. a stray listener).
            await discord.InteractionResponse(interaction).send_message("second")
        elif mode == "slow":
            await asyncio.sleep(0.7)
            await interaction.response.send_message("too late")
        elif mode == "long":
            await interaction.response.send_message("x" * 2001)
        elif mode == "early":
            await interaction.followup.send("followup before any ack")

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message.content)
        if self.user is not None and self.user in message.mentions:
            await message.reply(f"hi {message.author.display_name}")


@contextlib.asynccontextmanager
async def bot_on(fake: FakeDiscord) -> AsyncIterator[ProbeBot]:
    async with running_bot(fake, ProbeBot()) as bot:
        yield bot


@pytest.mark.asyncio
async def test_login_ready_and_command_sync(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        await fake.wait_until_ready()
        assert bot.user is not None and bot.user.id == BOT_USER_ID
        assert bot.application_id == APPLICATION_ID
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None and guild.get_channel(CHANNEL_ID) is not None
        assert guild.me is not None and guild.me.guild_permissions.send_messages
        assert fake.identify_count == 1
        assert fake.identifies[0]["intents"] == discord.Intents.default().value
        paths = [(r.method, r.path) for r in fake.requests]
        assert ("GET", "/users/@me") in paths and ("GET", "/oauth2/applications/@me") in paths
        for scope in (None, GUILD_ID):
            (probe,) = fake.registered_commands(scope)
            assert probe["name"] == "probe" and probe["id"].isdigit()
            types = {o["name"]: (o["type"], o.get("autocomplete", False)) for o in probe["options"]}
            assert types == {"mode": (3, True), "count": (4, False)}
        assert fake.registered_commands(GUILD_ID)[0]["guild_id"] == str(GUILD_ID)
        fake.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_defer_then_followup_embed(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        interaction = fake.inject_slash_command("probe", {"mode": "defer", "count": 3})
        options = interaction.payload["data"]["options"]
        assert {o["name"]: (o["type"], o["value"]) for o in options} == {"mode": (3, "defer"), "count": (4, 3)}
        callback = await fake.wait_for_callback(interaction.id)
        assert callback.status == 200 and callback.json == {"type": 5}
        assert callback.query == {"with_response": "1"}
        assert callback.response["interaction"]["response_message_loading"] is True
        followup = await fake.wait_for_followup(interaction.token)
        assert followup.ok and followup.json["embeds"][0]["title"] == "Result"
        assert followup.json["embeds"][0]["description"] == "count=3"
        state = fake.interaction_state(interaction.id)
        assert state.ack_type == 5 and state.ack_latency is not None
        assert state.ack_latency < fake.callback_deadline
        assert not state.ephemeral and not state.original_loading
        assert bot.calls == [("defer", 3)] and not bot.failures
        fake.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_defer_ephemeral_wins_over_followup_flags(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        interaction = fake.inject_slash_command("probe", {"mode": "defer-ephemeral"})
        await fake.wait_for_followup(interaction.token)
        state = fake.interaction_state(interaction.id)
        assert state.ephemeral and state.callback == {"type": 5, "data": {"flags": EPHEMERAL}}
        assert state.followups[0]["flags"] & EPHEMERAL  # first followup edited the ephemeral loading message


@pytest.mark.asyncio
async def test_ephemeral_response_has_flag_64(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        interaction = fake.inject_slash_command("probe", {"mode": "ephemeral"})
        callback = await fake.wait_for_callback(interaction.id)
        assert callback.json["type"] == 4
        assert callback.json["data"]["flags"] & EPHEMERAL
        state = fake.interaction_state(interaction.id)
        assert state.ephemeral and state.original is not None
        assert all(m["id"] != state.original["id"] for m in fake.channel_messages())


@pytest.mark.asyncio
async def test_second_ack_rejected_with_40060(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        interaction = fake.inject_slash_command("probe", {"mode": "double"})
        failure = await fake.wait_for(lambda: bot.failures.get("double"))
        assert isinstance(failure, discord.HTTPException) and failure.code == 40060
        callbacks = fake.requests_to("POST", rf"^/interactions/{interaction.id}/")
        assert [(r.status, r.error_code) for r in callbacks] == [(200, None), (400, 40060)]
        state = fake.interaction_state(interaction.id)
        assert state.ack_type == 4 and [r.code for r in state.rejections] == [40060]


@pytest.mark.asyncio
async def test_slow_callback_gets_unknown_interaction(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        interaction = fake.inject_slash_command("probe", {"mode": "slow"})
        callback = await fake.wait_for_callback(interaction.id)
        assert (callback.status, callback.error_code) == (404, 10062)
        assert callback.response == {"code": 10062, "message": "Unknown interaction"}
        failure = await fake.wait_for(lambda: bot.failures.get("slow"))
        assert isinstance(failure, discord.NotFound) and failure.code == 10062
        assert not fake.interaction_state(interaction.id).acked


@pytest.mark.asyncio
async def test_too_long_content_rejected_with_50035(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        interaction = fake.inject_slash_command("probe", {"mode": "long"})
        callback = await fake.wait_for_callback(interaction.id)
        assert (callback.status, callback.error_code) == (400, 50035)
        assert callback.response["errors"]["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        failure = await fake.wait_for(lambda: bot.failures.get("long"))
        assert isinstance(failure, discord.HTTPException) and failure.code == 50035
        assert "data.content" in str(failure)
        assert not fake.interaction_state(interaction.id).acked


@pytest.mark.asyncio
async def test_followup_before_ack_is_unknown_webhook(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        interaction = fake.inject_slash_command("probe", {"mode": "early"})
        failure = await fake.wait_for(lambda: bot.failures.get("early"))
        assert isinstance(failure, discord.NotFound) and failure.code == 10015
        assert [r.action for r in fake.interaction_state(interaction.id).rejections] == ["followup"]


@pytest.mark.asyncio
async def test_autocomplete_choices(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        interaction = fake.inject_autocomplete("probe", "mode", "defer", other_options={"count": 2})
        focused = next(o for o in interaction.payload["data"]["options"] if o.get("focused"))
        assert focused == {"name": "mode", "type": 3, "value": "defer", "focused": True}
        callback = await fake.wait_for_callback(interaction.id)
        assert callback.status == 204 or callback.ok
        assert callback.json["type"] == 8
        state = fake.interaction_state(interaction.id)
        assert state.autocomplete_choices == [
            {"name": "defer", "value": "defer"},
            {"name": "defer-ephemeral", "value": "defer-ephemeral"},
        ]
        too_many = fake.inject_autocomplete("probe", "mode", "many")
        rejected = await fake.wait_for_callback(too_many.id)
        assert (rejected.status, rejected.error_code) == (400, 50035)
        assert "choices" in rejected.response["errors"]["data"]


@pytest.mark.asyncio
async def test_mention_triggers_reply_and_content_intent_is_enforced(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        fake.inject_message("hello without mention")
        message_id = fake.inject_message(f"<@{BOT_USER_ID}> are you there?")
        request = await fake.wait_for_channel_message(CHANNEL_ID)
        assert request.ok
        assert request.json["content"] == "hi Alice"
        assert int(request.json["message_reference"]["message_id"]) == message_id  # discord.py sends an int
        assert request.response["type"] == 19  # REPLY
        assert [m["id"] for m in request.response["mentions"]] == [str(USER_ID)]  # reply pings the author
        # Intents.default() lacks MESSAGE_CONTENT: only the mention arrives with content.
        assert bot.seen == ["", f"<@{BOT_USER_ID}> are you there?"]
        echo = await fake.wait_for_dispatch("MESSAGE_CREATE", lambda d: d["author"]["id"] == str(BOT_USER_ID))
        assert echo["content"] == "hi Alice"
        fake.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_drop_gateway_resumes_and_still_answers(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        await fake.drop_gateway(code=4000)
        fake.inject_message(f"<@{BOT_USER_ID}> sent while reconnecting")  # buffered, replayed on RESUME
        await fake.wait_for_resume()
        assert fake.identify_count == 1 and fake.resume_count == 1
        assert fake.resumes[0]["path"] == "/resume"  # the client used READY's resume_gateway_url
        assert fake.resumes[0]["replayed"] == 1  # the MESSAGE_CREATE missed while disconnected
        assert fake.gateway_connections[0].close_code == 4000
        await fake.wait_for_channel_message(CHANNEL_ID)
        assert bot.seen == [f"<@{BOT_USER_ID}> sent while reconnecting"]
        interaction = fake.inject_slash_command("probe", {"mode": "ephemeral"})
        callback = await fake.wait_for_callback(interaction.id)
        assert callback.ok


@pytest.mark.asyncio
async def test_send_reconnect_resumes_and_still_answers(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        await fake.send_reconnect()
        await fake.wait_for_resume()
        assert fake.identify_count == 1 and len(fake.gateway_connections) == 2
        interaction = fake.inject_slash_command("probe", {"mode": "defer"})
        assert (await fake.wait_for_followup(interaction.token)).ok


@pytest.mark.asyncio
async def test_rate_limited_followup_is_retried(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        rule = fake.rate_limit("POST", rf"^/webhooks/{APPLICATION_ID}/[^/]+$", times=1, retry_after=0.3)
        interaction = fake.inject_slash_command("probe", {"mode": "defer", "count": 7})
        limited = await fake.wait_for_followup(interaction.token, count=1)
        landed = await fake.wait_for_followup(interaction.token, count=2)
        assert (limited.status, limited.fault) == (429, "rate_limit")
        assert limited.response == {"message": "You are being rate limited.", "retry_after": 0.3, "global": False}
        assert landed.ok and landed.json["embeds"][0]["description"] == "count=7"
        assert landed.at - limited.at >= 0.3
        assert rule.hits == 1 and not bot.failures
        assert len(fake.interaction_state(interaction.id).followups) == 1


@pytest.mark.asyncio
async def test_server_error_is_retried_by_discord_py(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        fake.fail("POST", r"^/channels/\d+/messages$", status=500, times=1)
        fake.inject_message(f"<@{BOT_USER_ID}> ping")
        first = await fake.wait_for_channel_message(CHANNEL_ID)
        second = await fake.wait_for_channel_message(CHANNEL_ID, since=fake.requests.index(first) + 1, timeout=5)
        assert (first.status, first.fault) == (500, "fail") and second.ok


@pytest.mark.asyncio
async def test_heartbeats_recorded(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake):
        await fake.wait_for_heartbeats(4)
        gaps = [b - a for a, b in zip(fake.heartbeats[1:], fake.heartbeats[2:], strict=False)]
        assert all(0.1 < gap < 0.6 for gap in gaps), gaps  # interval is 200 ms
        assert fake.max_heartbeat_gap() < 0.6
        assert {record.connection_id for record in fake.heartbeat_log} == {1}
        assert all(isinstance(record.seq, int) for record in fake.heartbeat_log[1:])


@pytest.mark.asyncio
async def test_rejected_token_fails_login(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    fake.reject_token = True
    with pytest.raises(discord.LoginFailure):
        async with running_bot(fake, ProbeBot(), ready_timeout=5):
            pass
    me = fake.requests_to("GET", r"^/users/@me$")[0]
    assert (me.status, me.response) == (401, {"message": "401: Unauthorized", "code": 0})
    assert me.headers["Authorization"] == "Bot <redacted>"
    assert fake.identify_count == 0


@pytest.mark.asyncio
async def test_unknown_route_is_recorded(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None
        with pytest.raises(discord.NotFound):
            await guild.fetch_ban(discord.Object(USER_ID))
        (unknown,) = fake.unknown_requests
        assert (unknown.method, unknown.path, unknown.status) == ("GET", f"/guilds/{GUILD_ID}/bans/{USER_ID}", 404)
        with pytest.raises(AssertionError):
            fake.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_embed_limits_enforced(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with bot_on(fake) as bot:
        channel = bot.get_channel(CHANNEL_ID)
        assert isinstance(channel, discord.TextChannel)
        too_big = discord.Embed(description="d" * 4096)
        for i in range(25):
            too_big.add_field(name=f"field {i}", value="v" * 100)
        cases = {
            "embeds.0.title": discord.Embed(title="t" * 257),
            "embeds.0.fields.0.value": discord.Embed().add_field(name="n", value="v" * 1025),
            "embeds.0.footer.text": discord.Embed().set_footer(text="f" * 2049),
            "embeds": too_big,  # 4096 + 25 * 108 characters > 6000 in total
        }
        for path, embed in cases.items():
            with pytest.raises(discord.HTTPException) as raised:
                await channel.send(embed=embed)
            assert raised.value.code == 50035 and f"In {path}" in str(raised.value), str(raised.value)
        sent = await channel.send(embed=discord.Embed(title="t" * 256, description="fine"))
        assert sent.embeds[0].title == "t" * 256


class ExtrasBot(commands.Bot):
    """Members intent, a subcommand group, typed options and a button view."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.1)
        self.dms: list[str] = []

    async def setup_hook(self) -> None:
        class Confirm(discord.ui.View):
            @discord.ui.button(label="Confirm", custom_id="confirm")
            async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]) -> None:
                await interaction.response.edit_message(content="confirmed", view=None)

        group = app_commands.Group(name="cfg", description="Configuration")

        @group.command(name="set", description="Set a value")
        async def set_value(interaction: discord.Interaction, who: discord.Member, value: int) -> None:
            await interaction.response.send_message(f"{who.display_name}={value}", view=Confirm())

        self.tree.add_command(group)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot and isinstance(message.channel, discord.DMChannel):
            self.dms.append(message.content)
            await message.channel.send("got your DM")


@pytest.mark.asyncio
async def test_members_chunk_subcommand_component_and_dm(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running_bot(fake, ExtrasBot()) as bot:
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None and guild.chunked and guild.get_member(USER_ID) is not None
        newcomer = fake.add_user("dave")
        await fake.wait_for(lambda: guild.get_member(newcomer.id))  # GUILD_MEMBER_ADD (members intent)
        interaction = fake.inject_slash_command("cfg", {"who": USER_ID, "value": 5}, subcommand="set")
        data = interaction.payload["data"]
        assert data["options"][0]["type"] == 1 and data["resolved"]["users"][str(USER_ID)]["username"] == "alice"
        assert (await fake.wait_for_callback(interaction.id)).json["data"]["content"] == "Alice=5"
        original = fake.interaction_state(interaction.id).original
        assert original is not None and original["components"]
        click = fake.inject_component("confirm", original["id"])
        update = await fake.wait_for_callback(click.id)
        assert update.json["type"] == 7 and update.json["data"]["components"] == []
        assert fake.world.messages[int(original["id"])]["content"] == "confirmed"
        with pytest.raises(ValueError, match="required options missing"):
            fake.inject_slash_command("cfg", {"who": USER_ID}, subcommand="set")
        fake.inject_message("hello bot", dm=True)
        reply = await fake.wait_for_channel_message(None)
        assert reply.ok and reply.path == f"/channels/{fake.world.dm_channel(USER_ID)['id']}/messages"
        assert bot.dms == ["hello bot"]  # DMs carry content even without the message content intent
        fake.assert_no_unknown_requests()


def test_injection_from_sync_code_outside_the_loop() -> None:
    """Sync fixtures run with no running loop: adding channels/users and injecting must still work."""
    loop = asyncio.new_event_loop()
    fake = FakeDiscord()
    bot = ProbeBot()
    stack = contextlib.AsyncExitStack()
    try:
        loop.run_until_complete(stack.enter_async_context(fake))
        loop.run_until_complete(stack.enter_async_context(running_bot(fake, bot)))
        channel_id = fake.add_channel("elsewhere")  # no running event loop here
        fake.add_user("erin")
        fake.inject_message(f"<@{BOT_USER_ID}> from sync code")
        assert loop.run_until_complete(fake.wait_for_channel_message(CHANNEL_ID)).ok
        assert loop.run_until_complete(fake.wait_for(lambda: bot.get_channel(channel_id)))
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
