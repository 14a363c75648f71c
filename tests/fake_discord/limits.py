"""Discord payload limits, reported the way Discord does (400, code 50035, "Invalid Form Body")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .models import JSON

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
ACTION_ROWS_MAX = 5
MODAL_TITLE_MAX = 45
COMMAND_OPTIONS_MAX = 25
COMMAND_DESCRIPTION_MAX = 100
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")

Path = Sequence[str | int]

# Discord's locales (https://discord.com/developers/docs/reference#locales): keys of *_localizations.
LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl", "pt-BR",
    "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
})


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` structure."""

    def __init__(self) -> None:
        self.tree: JSON = {}
        self.paths: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.paths)

    def add(self, path: Path, code: str, message: str) -> None:
        """Record an error for a field path such as ``("data", "embeds", 0, "title")``."""
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
        self.paths.append(".".join(str(p) for p in path))

    def max_length(self, path: Path, limit: int) -> None:
        """Shortcut for a BASE_TYPE_MAX_LENGTH error."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def body(self) -> JSON:
        """The JSON body of the 400 response."""
        return {"message": "Invalid Form Body", "code": 50035, "errors": self.tree}


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_url(errors: FormErrors, path: Path, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not re.match(r"^(https?|attachment)://\S+$", value):
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def validate_embeds(embeds: Any, errors: FormErrors, prefix: Path = ()) -> None:
    """Embed count, per-field and total (6000) limits."""
    base = (*prefix, "embeds")
    if not isinstance(embeds, list):
        return
    if len(embeds) > EMBEDS_MAX:
        errors.max_length(base, EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            errors.add((*base, i), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        path = (*base, i)
        for key, limit in (("title", EMBED_TITLE_MAX), ("description", EMBED_DESCRIPTION_MAX)):
            length = _text_len(embed.get(key))
            total += length
            if length > limit:
                errors.max_length((*path, key), limit)
        _check_url(errors, (*path, "url"), embed.get("url"))
        for key in ("image", "thumbnail"):
            sub = embed.get(key)
            if isinstance(sub, dict):
                _check_url(errors, (*path, key, "url"), sub.get("url"))
        footer = embed.get("footer")
        if isinstance(footer, dict):
            length = _text_len(footer.get("text"))
            total += length
            if length > EMBED_FOOTER_MAX:
                errors.max_length((*path, "footer", "text"), EMBED_FOOTER_MAX)
            _check_url(errors, (*path, "footer", "icon_url"), footer.get("icon_url"))
        author = embed.get("author")
        if isinstance(author, dict):
            length = _text_len(author.get("name"))
            total += length
            if length > EMBED_AUTHOR_MAX:
                errors.max_length((*path, "author", "name"), EMBED_AUTHOR_MAX)
            _check_url(errors, (*path, "author", "url"), author.get("url"))
            _check_url(errors, (*path, "author", "icon_url"), author.get("icon_url"))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.max_length((*path, "fields"), EMBED_FIELDS_MAX)
        for j, fld in enumerate(fields):
            fpath = (*path, "fields", j)
            for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
                value = fld.get(key) if isinstance(fld, dict) else None
                length = _text_len(value)
                total += length
                if not value:
                    errors.add((*fpath, key), "BASE_TYPE_REQUIRED", "This field is required")
                elif length > limit:
                    errors.max_length((*fpath, key), limit)
    if total > EMBED_TOTAL_MAX:
        errors.add(base, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")


def validate_message(payload: JSON, errors: FormErrors, prefix: Path = ()) -> None:
    """Content/embeds/components/allowed_mentions limits for a message create or edit body."""
    content = payload.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        errors.max_length((*prefix, "content"), CONTENT_MAX)
    if "embeds" in payload:
        validate_embeds(payload.get("embeds"), errors, prefix)
    components = payload.get("components")
    flags = int(payload.get("flags") or 0)
    if isinstance(components, list) and not flags & (1 << 15) and len(components) > ACTION_ROWS_MAX:
        errors.max_length((*prefix, "components"), ACTION_ROWS_MAX)
    mentions = payload.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                errors.add(
                    (*prefix, "allowed_mentions"),
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )


def is_empty_message(payload: JSON, *, has_files: bool = False) -> bool:
    """Whether Discord would answer 50006 "Cannot send an empty message"."""
    if has_files or payload.get("content"):
        return False
    return not any(payload.get(key) for key in ("embeds", "sticker_ids", "components", "poll", "attachments"))


def validate_choices(data: JSON, errors: FormErrors, prefix: Path = ("data",)) -> None:
    """Autocomplete result limits: at most 25 choices, name/value up to 100 characters."""
    choices = data.get("choices")
    base = (*prefix, "choices")
    if not isinstance(choices, list):
        errors.add(base, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if len(choices) > CHOICES_MAX:
        errors.max_length(base, CHOICES_MAX)
    for i, choice in enumerate(choices):
        name = choice.get("name") if isinstance(choice, dict) else None
        if not isinstance(name, str) or not name:
            errors.add((*base, i, "name"), "BASE_TYPE_REQUIRED", "This field is required")
        elif len(name) > CHOICE_NAME_MAX:
            errors.max_length((*base, i, "name"), CHOICE_NAME_MAX)
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            errors.max_length((*base, i, "value"), CHOICE_VALUE_MAX)


def validate_modal(data: JSON, errors: FormErrors, prefix: Path = ("data",)) -> None:
    """Modal title/custom_id/components limits."""
    if _text_len(data.get("title")) > MODAL_TITLE_MAX:
        errors.max_length((*prefix, "title"), MODAL_TITLE_MAX)
    if not data.get("custom_id"):
        errors.add((*prefix, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    components = data.get("components") or []
    if not components:
        errors.add((*prefix, "components"), "BASE_TYPE_REQUIRED", "This field is required")
    elif len(components) > ACTION_ROWS_MAX:
        errors.max_length((*prefix, "components"), ACTION_ROWS_MAX)
    for i, row in enumerate(components if isinstance(components, list) else []):
        if not isinstance(row, dict):
            continue
        if row.get("type") == 18:  # a label (up to 45) around one input, with an optional description (100)
            for key, limit in (("label", 45), ("description", 100)):
                if _text_len(row.get(key)) > limit:
                    errors.max_length((*prefix, "components", i, key), limit)
            inputs = [(("component",), row.get("component"))]
        else:
            inputs = [(("components", j), c) for j, c in enumerate(row.get("components") or [])]
        for where, component in inputs:
            if not isinstance(component, dict) or component.get("type") != 4:
                continue
            for key, limit in (("label", 45), ("placeholder", 100)):
                if _text_len(component.get(key)) > limit:
                    errors.max_length((*prefix, "components", i, *where, key), limit)


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and bool(COMMAND_NAME_RE.match(name)) and name == name.lower()


def _validate_localizations(item: JSON, errors: FormErrors, path: Path, *, names_checked: bool) -> None:
    """`name_localizations` / `description_localizations`: known locales, the same rules as the default."""
    for key in ("name_localizations", "description_localizations"):
        values = item.get(key)
        if values is None:
            continue
        if not isinstance(values, dict):
            errors.add((*path, key), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for locale, text in values.items():
            lpath = (*path, key, locale)
            if locale not in LOCALES:
                errors.add(lpath, "LOCALE_INVALID", f"Invalid locale: {locale}")
            elif key == "name_localizations" and names_checked and not _valid_name(text):
                errors.add(lpath, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            elif key == "description_localizations" and not 1 <= _text_len(text) <= COMMAND_DESCRIPTION_MAX:
                errors.add(lpath, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _validate_command_options(options: Any, errors: FormErrors, path: Path) -> None:
    if not isinstance(options, list):
        return
    if len(options) > COMMAND_OPTIONS_MAX:
        errors.max_length((*path, "options"), COMMAND_OPTIONS_MAX)
    seen_optional = False
    names: set[str] = set()
    for i, option in enumerate(options):
        opath = (*path, "options", i)
        name = option.get("name", "")
        if not _valid_name(name):
            errors.add((*opath, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        _validate_localizations(option, errors, opath, names_checked=True)
        if name in names:
            errors.add((*opath, "name"), "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "Option names must be unique")
        names.add(name)
        if not 1 <= _text_len(option.get("description")) <= COMMAND_DESCRIPTION_MAX:
            errors.add((*opath, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if option.get("type") in (1, 2):
            _validate_command_options(option.get("options"), errors, opath)
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    opath,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > CHOICES_MAX:
            errors.max_length((*opath, "choices"), CHOICES_MAX)
        for j, choice in enumerate(choices):
            for locale, text in ((choice.get("name_localizations") or {}) if isinstance(choice, dict) else {}).items():
                if locale not in LOCALES or not 1 <= _text_len(text) <= CHOICE_NAME_MAX:
                    errors.add((*opath, "choices", j, "name_localizations", locale), "BASE_TYPE_BAD_LENGTH",
                               "Must be between 1 and 100 in length.")
        if choices and option.get("autocomplete"):
            errors.add(
                (*opath, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                "Autocomplete cannot be used with choices",
            )


def validate_commands(commands: Any, errors: FormErrors) -> None:
    """Basic application command rules (names, descriptions, option ordering, duplicates)."""
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_LIST", "Must be a list")
        return
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        ctype = int(command.get("type", 1))
        name = command.get("name", "")
        if ctype == 1:
            if not _valid_name(name):
                errors.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if not 1 <= _text_len(command.get("description")) <= COMMAND_DESCRIPTION_MAX:
                errors.add((i, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            _validate_command_options(command.get("options"), errors, (i,))
        elif not 1 <= len(name) <= 32:
            errors.add((i, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        _validate_localizations(command, errors, (i,), names_checked=ctype == 1)
        if (name, ctype) in seen:
            message = f"Application command names must be unique: {name}"
            errors.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", message)
        seen.add((name, ctype))
