"""The custom_id grammar of the buttons under an answer, in one place: the buttons' templates, what a follow-up
reads back from an answer's buttons, and the metric label of a click all come from `TEMPLATES`.

    sb:vote:up | sb:vote:down            the vote buttons (the answer is the message they sit on)
    sb:more:<asker>:<ref>                More, on an answer
    sb:page:<asker>:<page>:<ref>         Back / Next, on a page of more passages
    sb:ctx:<ref>[:<rank>]                Context (rank: the cited passage's number in the answer)
    sb:near:<ref>                        Show the closest passages (refusals)
    sb:del:<asker>                       Delete
    sb:tr:<ref>[,<ref>…]                 See translation (the passages shown, into Spanish; up to three)
    sb:why:<answer message id>           "What was wrong?" (in the private 👎 acknowledgement)
    sb:whym:<answer message id>          the form that button opens

`<ref>` is a `passage_ref` (12 hex digits); every custom_id is at most `MAX_LENGTH` characters, as Discord
requires. `encode` writes one from its fields, `decode` reads any of them back; they are each other's inverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_LENGTH = 100
REF = r"[0-9a-f]{12}"
MAX_TRANSLATED = 3  # passages a See translation button names

TEMPLATES: dict[str, str] = {
    "vote": r"sb:vote:(?P<value>up|down)",
    "why": r"sb:why:(?P<message>\d+)",
    "more": rf"sb:more:(?P<asker>\d+):(?P<ref>{REF})",
    "page": rf"sb:page:(?P<asker>\d+):(?P<page>\d+):(?P<ref>{REF})",
    "ctx": rf"sb:ctx:(?P<ref>{REF})(?::(?P<rank>\d+))?",
    "near": rf"sb:near:(?P<ref>{REF})",
    "tr": rf"sb:tr:(?P<refs>{REF}(?:,{REF}){{0,{MAX_TRANSLATED - 1}}})",
    "del": r"sb:del:(?P<asker>\d+)",
    "whym": r"sb:whym:(?P<message>\d+)",  # the "what was wrong?" form (a modal, not a button)
}
# What each named group holds, read back from its text: a button is made from its custom_id's fields by name.
FIELD_TYPES: dict[str, Callable[[str], object]] = {
    "value": str, "message": int, "asker": int, "page": int, "ref": str, "rank": int,
    "refs": lambda text: tuple(text.split(",")),
}
_COMPILED = {kind: re.compile(template) for kind, template in TEMPLATES.items()}
_FIELD_RE = re.compile(r"\(\?P<(\w+)>")
# The buttons of an answer itself that name its first passage: what a follow-up reads back.
ANSWER_REF_KINDS = ("more", "ctx", "near")


def encode(kind: str, **fields: object) -> str:
    """The custom_id of a button of `kind` with these fields (`rank` of "ctx" may be left out); ValueError if
    the result would not decode to them."""
    parts = [str(fields[name]) for name in _FIELD_RE.findall(TEMPLATES[kind]) if fields.get(name) is not None]
    custom_id = ":".join(["sb", kind, *parts])
    if len(custom_id) > MAX_LENGTH or decode(custom_id) != (kind, {k: str(v) for k, v in fields.items()
                                                                     if v is not None}):
        raise ValueError(f"no custom_id of kind {kind!r} holds {fields!r}")
    return custom_id


def decode(custom_id: str) -> tuple[str, dict[str, str]] | None:
    """(kind, fields) of one of our custom_ids, or None for any other."""
    for kind, pattern in _COMPILED.items():
        match = pattern.fullmatch(custom_id)
        if match:
            return kind, {k: v for k, v in match.groupdict().items() if v is not None}
    return None


def answer_ref(custom_id: str) -> str | None:
    """The `passage_ref` of the answer's first passage, if `custom_id` is one of the answer's buttons naming it."""
    decoded = decode(custom_id)
    return decoded[1]["ref"] if decoded is not None and decoded[0] in ANSWER_REF_KINDS else None


def kind_label(custom_id: str) -> str | None:
    """A bounded metric label for a click on one of our buttons ("sb:vote:up", "sb:more"), None for any other."""
    decoded = decode(custom_id)
    if decoded is None:
        return None
    kind, fields = decoded
    return f"sb:vote:{fields['value']}" if kind == "vote" else f"sb:{kind}"


def fields(match: re.Match[str]) -> dict[str, object]:
    """The fields of a custom_id `match`ed by its template, each as its type (`FIELD_TYPES`); a field left out
    (`rank` of buttons sent before it was kept) is not there."""
    return {name: FIELD_TYPES[name](text) for name, text in match.groupdict().items() if text is not None}
