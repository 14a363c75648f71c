"""Interaction injection and the interaction REST surface (callback, followups, @original)."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .commands import OptionBuilder, OptionValues
from .http_util import (
    ALREADY_ACKNOWLEDGED,
    EMPTY_MESSAGE,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    Ctx,
    Reply,
    Router,
    err,
    no_content,
    ok,
)
from .limits import FormErrors, is_empty_message, validate_choices, validate_message, validate_modal
from .models import (
    APPLICATION_COMMAND,
    APPLICATION_ID,
    AUTOCOMPLETE,
    BOT_USER_ID,
    CHANNEL_ID,
    COMPONENT,
    EPHEMERAL,
    GUILD_ID,
    JSON,
    LOADING,
    MODAL_SUBMIT,
    USER_ID,
    FakeInteraction,
    InteractionState,
    Rejection,
)
from .world import new_token, sf

if TYPE_CHECKING:
    from .server import FakeDiscord

# Callback types accepted per interaction type.
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    APPLICATION_COMMAND: {4, 5, 9, 12},
    COMPONENT: {4, 5, 6, 7, 9, 12},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7, 12},
}
CREATE_FLAGS = EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15)  # ephemeral, suppress embeds/notifications, v2


class InteractionManager:
    """Builds INTERACTION_CREATE payloads and enforces the interaction response rules."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.states: dict[int, InteractionState] = {}
        self._by_token: dict[str, InteractionState] = {}

    # ------------------------------------------------------------ injection
    def _inject(
        self,
        itype: int,
        name: str,
        data: JSON,
        *,
        user_id: int,
        channel_id: int | None,
        guild_id: int | None,
        message: JSON | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        world = self.fake.world
        iid = world.snowflakes.next()
        token = new_token()
        if guild_id is not None and guild_id in world.other_guilds:
            channel = world.other_guilds[guild_id]
            cid = int(channel["id"])
        elif guild_id is not None:
            if guild_id != world.guild_id:
                raise ValueError(f"unknown guild {guild_id}: the fake's guilds are {world.guild_ids}")
            cid = channel_id or CHANNEL_ID
            channel = world.channel(cid)
            if channel is None or cid not in world.channels:
                raise ValueError(f"unknown guild channel {cid}")
        else:
            channel = world.dm_channel(user_id)
            cid = int(channel["id"])
        payload: JSON = {
            "id": sf(iid),
            "application_id": sf(APPLICATION_ID),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": sf(cid),
            "channel": {**channel, "permissions": sf(world.permissions_of(user_id))},
            "locale": locale,
            "app_permissions": sf(world.permissions_of(BOT_USER_ID)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id is not None:
            payload.update(
                guild_id=sf(guild_id),
                guild={"id": sf(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=world.member_payload(user_id, permissions=True),
                authorizing_integration_owners={"0": sf(guild_id)},
                context=0,
            )
        else:
            payload.update(user=world.user_payload(user_id), authorizing_integration_owners={"0": "0"}, context=1)
        if message is not None:
            payload["message"] = message
        now = time.monotonic()
        state = InteractionState(
            id=iid,
            token=token,
            type=itype,
            name=name,
            created_at=now,
            deadline=now + self.fake.callback_deadline,
            guild_id=guild_id,
            channel_id=cid,
            user_id=user_id,
            source_message_id=int(message["id"]) if message is not None else None,
        )
        self.states[iid] = state
        self._by_token[token] = state
        self.fake.dispatch("INTERACTION_CREATE", payload)
        return FakeInteraction(iid, token, itype, name, payload, now)

    def _command_data(
        self,
        name: str,
        options: OptionValues,
        *,
        subcommand: str | None,
        guild_id: int | None,
        user_id: int,
        focused: str | None = None,
    ) -> JSON:
        registry = self.fake.commands
        command = registry.find(name, guild_id)
        strict = self.fake.strict_commands and registry.any_registered()
        if command is None and strict:
            raise ValueError(f"slash command {name!r} is not registered (synced) with the fake")
        builder = OptionBuilder(self.fake.world, guild=guild_id is not None, user_id=user_id)
        built = builder.build(command, subcommand, options, focused=focused, strict=strict)
        data: JSON = {
            "id": command["id"] if command else sf(self.fake.world.snowflakes.next()),
            "name": name,
            "type": 1,
            "options": built,
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if builder.resolved:
            data["resolved"] = builder.resolved
        return data

    def inject_slash_command(
        self,
        name: str,
        options: OptionValues = None,
        *,
        user_id: int = USER_ID,
        channel_id: int | None = None,
        guild_id: int | None = GUILD_ID,
        subcommand: str | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """See ``FakeDiscord.inject_slash_command``."""
        data = self._command_data(name, options, subcommand=subcommand, guild_id=guild_id, user_id=user_id)
        return self._inject(APPLICATION_COMMAND, name, data, user_id=user_id, channel_id=channel_id, guild_id=guild_id,
                            locale=locale)

    def inject_autocomplete(
        self,
        command_name: str,
        option_name: str,
        value: str,
        *,
        other_options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        user_id: int = USER_ID,
        channel_id: int | None = None,
        guild_id: int | None = GUILD_ID,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """See ``FakeDiscord.inject_autocomplete``."""
        values: dict[str, Any] = dict(other_options or {})
        values[option_name] = value
        data = self._command_data(
            command_name, values, subcommand=subcommand, guild_id=guild_id, user_id=user_id, focused=option_name
        )
        return self._inject(AUTOCOMPLETE, command_name, data, user_id=user_id, channel_id=channel_id, guild_id=guild_id,
                            locale=locale)

    def inject_component(
        self,
        custom_id: str,
        message_id: int,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user_id: int = USER_ID,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """See ``FakeDiscord.inject_component``."""
        message = self.fake.world.messages.get(int(message_id))
        if message is None:
            raise ValueError(f"unknown message {message_id}")
        channel_id = int(message["channel_id"])
        guild_id = GUILD_ID if channel_id in self.fake.world.channels else None
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return self._inject(
            COMPONENT, custom_id, data, user_id=user_id, channel_id=channel_id, guild_id=guild_id, message=message,
            locale=locale,
        )

    def inject_modal_submit(self, opened_by: int, values: list[str], *, user_id: int | None = None,
                            locale: str = "en-US") -> FakeInteraction:
        """See ``FakeDiscord.inject_modal_submit``."""
        state = self.states.get(int(opened_by))
        if state is None or state.modal is None:
            raise ValueError(f"interaction {opened_by} did not open a modal")
        inputs = iter(values)
        rows: list[JSON] = []
        for row in state.modal.get("components") or []:
            if row.get("type") == 18:  # a label around one input
                inner = row["component"]
                rows.append({"type": 18, "component": {"type": inner["type"], "custom_id": inner["custom_id"],
                                                       "value": next(inputs, "")}})
            else:
                rows.append({"type": 1, "components": [
                    {"type": c["type"], "custom_id": c["custom_id"], "value": next(inputs, "")}
                    for c in row.get("components") or []]})
        data: JSON = {"custom_id": state.modal["custom_id"], "components": rows}
        message = self.fake.world.messages.get(state.source_message_id) if state.source_message_id else None
        guild_id = state.guild_id
        return self._inject(MODAL_SUBMIT, str(state.modal["custom_id"]), data,
                            user_id=state.user_id if user_id is None else user_id, channel_id=state.channel_id,
                            guild_id=guild_id, message=message, locale=locale)

    # ---------------------------------------------------------------- rules
    def register(self, router: Router) -> None:
        """Add the interaction routes (they need no bot token, like Discord)."""
        router.add("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False)
        router.add("POST", "/webhooks/{app_id}/{token}", self.followup, auth=False)
        message_route = "/webhooks/{app_id}/{token}/messages/{message_id}"
        router.add("GET", message_route, self.get_message, auth=False)
        router.add("PATCH", message_route, self.edit_message, auth=False)
        router.add("DELETE", message_route, self.delete_message, auth=False)

    def _reject(self, state: InteractionState, action: str, spec: tuple[int, int, str], at: float) -> Reply:
        state.rejections.append(Rejection(action, spec[0], spec[1], at))
        return err(spec)

    def _reject_form(self, state: InteractionState, action: str, errors: FormErrors, at: float) -> Reply:
        state.rejections.append(Rejection(action, 400, 50035, at))
        return Reply(400, errors.body())

    def _new_message(self, state: InteractionState, data: JSON, ctx: Ctx, *, flags: int) -> JSON:
        world = self.fake.world
        metadata: JSON = {
            "id": sf(state.id),
            "type": state.type,
            "user": world.user_payload(state.user_id),
            "authorizing_integration_owners": {"0": sf(state.guild_id or 0)},
        }
        if state.type == APPLICATION_COMMAND:
            metadata["name"] = state.name
            metadata["command_type"] = 1
        if state.source_message_id is not None:
            metadata["interacted_message_id"] = sf(state.source_message_id)
        message = world.message_payload(
            channel_id=state.channel_id,
            author_id=BOT_USER_ID,
            content=str(data.get("content") or ""),
            embeds=data.get("embeds"),
            components=data.get("components"),
            attachments=world.attachment_payloads(ctx.record.files, state.channel_id),
            mentions=world.resolve_mentions(data.get("content"), data.get("allowed_mentions")),
            flags=flags,
            message_type=20 if state.type == APPLICATION_COMMAND else 0,
            extra={
                "application_id": sf(APPLICATION_ID),
                "webhook_id": sf(APPLICATION_ID),
                "interaction_metadata": metadata,
            },
        )
        world.store_message(message)
        if not flags & EPHEMERAL:
            self.fake.publish_message("MESSAGE_CREATE", message)
        return message

    async def callback(self, ctx: Ctx) -> Reply:
        """``POST /interactions/{id}/{token}/callback``: one ack, within the deadline, valid payload."""
        state = self.states.get(ctx.id("interaction_id"))
        if state is None or state.token != ctx.params["token"]:
            return err(UNKNOWN_INTERACTION)
        at = ctx.record.at
        if state.acked:
            return self._reject(state, "callback", ALREADY_ACKNOWLEDGED, at)
        if at > state.deadline:
            return self._reject(state, "callback", UNKNOWN_INTERACTION, at)
        body = ctx.body
        ctype = body.get("type")
        errors = FormErrors()
        if ctype not in ALLOWED_CALLBACKS.get(state.type, set()):
            reason = f"Invalid callback type {ctype!r} for this interaction"
            errors.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID", reason)
            return self._reject_form(state, "callback", errors, at)
        data: JSON = body.get("data") or {}
        if ctype in (4, 7):
            validate_message(data, errors, ("data",))
        elif ctype == 8:
            validate_choices(data, errors)
        elif ctype == 9:
            validate_modal(data, errors)
        if errors:
            return self._reject_form(state, "callback", errors, at)
        if ctype == 4 and is_empty_message(data, has_files=bool(ctx.record.files)):
            return self._reject(state, "callback", EMPTY_MESSAGE, at)

        state.ack_type = ctype
        state.acked_at = at
        state.callback = body
        flags = int(data.get("flags") or 0)
        if ctype in (4, 5):
            state.ephemeral = bool(flags & EPHEMERAL)
        resource: JSON = {"type": ctype}
        message: JSON | None = None
        if ctype == 4:
            message = self._new_message(state, data, ctx, flags=flags & CREATE_FLAGS)
            state.original = message
        elif ctype == 5:
            message = self._new_message(state, {}, ctx, flags=LOADING | (flags & EPHEMERAL))
            state.original = message
            state.original_loading = True
        elif ctype in (6, 7) and state.source_message_id is not None:
            message = self.fake.world.messages.get(state.source_message_id)
            if message is not None and ctype == 7:
                self.fake.world.apply_edit(message, data, ctx.record.files)
                self.fake.publish_message("MESSAGE_UPDATE", message)
            state.original = message
        elif ctype == 8:
            state.autocomplete_choices = list(data.get("choices") or [])
        elif ctype == 9:
            state.modal = data
        if message is not None:
            resource["message"] = message
        self.fake._notify()
        if ctx.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        interaction: JSON = {
            "id": sf(state.id),
            "type": state.type,
            "response_message_loading": ctype == 5,
            "response_message_ephemeral": state.ephemeral,
        }
        if message is not None:
            interaction["response_message_id"] = message["id"]
        return ok({"interaction": interaction, "resource": resource})

    def _webhook_state(self, ctx: Ctx, action: str) -> InteractionState | Reply:
        state = self._by_token.get(ctx.params["token"])
        if state is None or ctx.params["app_id"] != sf(APPLICATION_ID):
            return err(UNKNOWN_WEBHOOK)
        if ctx.record.at - state.created_at > self.fake.token_ttl:
            return self._reject(state, action, INVALID_WEBHOOK_TOKEN, ctx.record.at)
        if not state.acked:
            return self._reject(state, action, UNKNOWN_WEBHOOK, ctx.record.at)
        return state

    def _target(self, state: InteractionState, raw_id: str) -> JSON | None:
        if raw_id == "@original":
            if state.original is None or state.original_deleted:
                return None
            return state.original
        if not raw_id.isdigit() or int(raw_id) not in state.message_ids or int(raw_id) in state.deleted_message_ids:
            return None
        return self.fake.world.messages.get(int(raw_id))

    async def followup(self, ctx: Ctx) -> Reply:
        """``POST /webhooks/{app}/{token}``: after an ack; the first one after a defer edits the loading message."""
        state = self._webhook_state(ctx, "followup")
        if isinstance(state, Reply):
            return state
        body = ctx.body
        errors = FormErrors()
        validate_message(body, errors)
        if errors:
            return self._reject_form(state, "followup", errors, ctx.record.at)
        if is_empty_message(body, has_files=bool(ctx.record.files)):
            return self._reject(state, "followup", EMPTY_MESSAGE, ctx.record.at)
        flags = int(body.get("flags") or 0)
        original = state.original
        if state.ack_type == 5 and state.original_loading and original is not None and not state.original_deleted:
            # Discord: the first followup after DEFERRED_CHANNEL_MESSAGE edits the loading message,
            # and its ephemeral flag is ignored in favour of the defer's.
            self.fake.world.apply_edit(original, body, ctx.record.files, mark_edited=False)
            original["flags"] = int(original["flags"]) & ~LOADING
            state.original_loading = False
            message = original
            if not int(message["flags"]) & EPHEMERAL:
                self.fake.publish_message("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(state, body, ctx, flags=flags & CREATE_FLAGS)
        state.followups.append(copy.deepcopy(message))
        self.fake._notify()
        if ctx.query.get("wait") in ("1", "true", "True"):
            return ok(message)
        return no_content()

    async def get_message(self, ctx: Ctx) -> Reply:
        """``GET /webhooks/{app}/{token}/messages/{id|@original}``."""
        state = self._webhook_state(ctx, "get")
        if isinstance(state, Reply):
            return state
        message = self._target(state, ctx.params["message_id"])
        return ok(message) if message is not None else self._reject(state, "get", UNKNOWN_MESSAGE, ctx.record.at)

    async def edit_message(self, ctx: Ctx) -> Reply:
        """``PATCH /webhooks/{app}/{token}/messages/{id|@original}``."""
        state = self._webhook_state(ctx, "edit")
        if isinstance(state, Reply):
            return state
        message = self._target(state, ctx.params["message_id"])
        if message is None:
            return self._reject(state, "edit", UNKNOWN_MESSAGE, ctx.record.at)
        errors = FormErrors()
        validate_message(ctx.body, errors)
        if errors:
            return self._reject_form(state, "edit", errors, ctx.record.at)
        loading = message is state.original and state.original_loading
        self.fake.world.apply_edit(message, ctx.body, ctx.record.files, mark_edited=not loading)
        if loading:
            message["flags"] = int(message["flags"]) & ~LOADING
            state.original_loading = False
        state.edits.append({"message_id": message["id"], **ctx.body})
        if not int(message["flags"]) & EPHEMERAL:
            self.fake.publish_message("MESSAGE_UPDATE", message)
        self.fake._notify()
        return ok(message)

    async def delete_message(self, ctx: Ctx) -> Reply:
        """``DELETE /webhooks/{app}/{token}/messages/{id|@original}``."""
        state = self._webhook_state(ctx, "delete")
        if isinstance(state, Reply):
            return state
        message = self._target(state, ctx.params["message_id"])
        if message is None:
            return self._reject(state, "delete", UNKNOWN_MESSAGE, ctx.record.at)
        message_id = int(message["id"])
        state.deleted_message_ids.append(message_id)
        if message is state.original:
            state.original_deleted = True
        self.fake.delete_stored_message(message_id)
        self.fake._notify()
        return no_content()
