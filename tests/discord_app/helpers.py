"""Reading back what the bot rendered: undo our markdown to compare with the verbatim passage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.settings import Settings
from tests.fake_discord import FakeDiscord, InteractionState, RecordedRequest

_ESCAPABLE = set("\\*_`~|>#-[]()")


def _scan(markdown: str) -> tuple[str, list[str]]:
    """(shown text, bold parts): escapes resolved, our `**` markers removed."""
    out: list[str] = []
    bold: list[str] = []
    start: int | None = None
    i = 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\" and i + 1 < len(markdown) and markdown[i + 1] in _ESCAPABLE:
            out.append(markdown[i + 1])
            i += 2
        elif markdown.startswith("**", i):
            if start is None:
                start = len(out)
            else:
                bold.append("".join(out[start:]))
                start = None
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out).replace("@\u200b", "@"), [b.replace("@\u200b", "@") for b in bold]


def unquote(markdown: str) -> str:
    """A block quote's lines without their "> "."""
    return "\n".join(line[2:] if line.startswith("> ") else line for line in markdown.split("\n"))


def shown_text(markdown: str) -> str:
    """The characters a reader sees in a quoted, highlighted, escaped passage."""
    return _scan(unquote(markdown))[0]


def bold_parts(markdown: str) -> list[str]:
    """The texts shown in bold (our highlights), unescaped."""
    return _scan(unquote(markdown))[1]


def quote_of(block: str) -> str:
    """The quoted passage of a citation block (the lines after the heading)."""
    return block.split("\n", 1)[1]


# -- reading what the bot sent -----------------------------------------------------------------


def sent_for(fake: FakeDiscord, state: InteractionState) -> list[dict[str, Any]]:
    """Every message payload the bot sent for an interaction (callback data, followups, edits), in order."""
    payloads = []
    for request in fake.requests:
        if not request.ok:
            continue
        if request.path == f"/interactions/{state.id}/{state.token}/callback":
            if request.json.get("type") in (4, 7):
                payloads.append(request.json["data"])
        elif state.token in request.path and request.path.startswith("/webhooks/"):
            payloads.append(request.json)
    return payloads


def message_requests(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every request by which the bot sent or edited a message."""
    return [r for r in fake.requests
            if (r.method == "POST" and r.path.startswith("/channels/") and r.path.endswith("/messages"))
            or (r.path.startswith("/webhooks/") and r.method in ("POST", "PATCH"))
            or (r.path.endswith("/callback") and isinstance(r.json, dict) and r.json.get("type") in (4, 7))]


async def run_command(fake: FakeDiscord, name: str, options: dict[str, Any] | None = None, *, messages: int = 1,
                      **kwargs: Any) -> tuple[InteractionState, list[dict[str, Any]]]:
    """Inject `/name`, wait until the bot sent `messages` messages for it; the state and those payloads."""
    interaction = fake.inject_slash_command(name, options, **kwargs)
    state = await fake.wait_for_ack(interaction.id)

    def finished() -> list[dict[str, Any]] | None:
        sent = sent_for(fake, state)
        return sent if len(sent) >= messages and not state.original_loading else None

    sent = await fake.wait_for(finished, timeout=10.0, what=f"/{name} answered")
    return state, sent


def only_embed(payload: dict[str, Any]) -> dict[str, Any]:
    embeds = payload.get("embeds") or []
    assert len(embeds) == 1, payload
    return embeds[0]


def corpus_text(settings: Settings) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(settings.corpus_dir).glob("*.md")))
