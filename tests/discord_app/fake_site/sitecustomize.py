"""Test only (put on PYTHONPATH by test_runner): point the real discord.py at a fake Discord.

Reads FAKE_DISCORD_API (e.g. http://127.0.0.1:PORT/api/v10) and FAKE_DISCORD_GATEWAY
(ws://127.0.0.1:PORT/); does nothing when they are not set.
"""

import os

if os.environ.get("FAKE_DISCORD_API") and os.environ.get("FAKE_DISCORD_GATEWAY"):
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
