"""The custom_id grammar: `encode` and `decode` are each other's inverse for every kind, within Discord's length,
and the buttons, a follow-up and the metrics all read ids through it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.discord_app import custom_ids
from bot.discord_app.buttons import DYNAMIC_ITEMS
from bot.discord_app.client import component_kind

snowflakes = st.integers(min_value=0, max_value=2**64 - 1)
refs = st.text(alphabet="0123456789abcdef", min_size=12, max_size=12)
FIELDS = {
    "vote": st.fixed_dictionaries({"value": st.sampled_from(["up", "down"])}),
    "why": st.fixed_dictionaries({"message": snowflakes}),
    "whym": st.fixed_dictionaries({"message": snowflakes}),
    "more": st.fixed_dictionaries({"asker": snowflakes, "ref": refs}),
    "page": st.fixed_dictionaries({"asker": snowflakes, "page": st.integers(0, 99), "ref": refs}),
    "ctx": st.fixed_dictionaries({"ref": refs}, optional={"rank": st.integers(0, 25)}),
    "near": st.fixed_dictionaries({"ref": refs}),
    "tr": st.lists(refs, min_size=1, max_size=custom_ids.MAX_TRANSLATED).map(lambda r: {"refs": ",".join(r)}),
    "del": st.fixed_dictionaries({"asker": snowflakes}),
}


def test_every_kind_of_the_grammar_has_its_fields_described() -> None:
    assert set(FIELDS) == set(custom_ids.TEMPLATES)


@pytest.mark.parametrize("kind", sorted(custom_ids.TEMPLATES))
@given(data=st.data())
def test_encode_and_decode_are_inverse_within_discords_length(kind: str, data: st.DataObject) -> None:
    fields = data.draw(FIELDS[kind])
    custom_id = custom_ids.encode(kind, **fields)
    assert len(custom_id) <= custom_ids.MAX_LENGTH
    assert custom_ids.decode(custom_id) == (kind, {k: str(v) for k, v in fields.items()})
    assert component_kind(custom_id) == (f"sb:vote:{fields['value']}" if kind == "vote" else f"sb:{kind}")


def test_fields_that_the_grammar_cannot_hold_are_refused() -> None:
    with pytest.raises(ValueError, match="no custom_id"):
        custom_ids.encode("more", asker=1, ref="not-hex")
    with pytest.raises(ValueError, match="no custom_id"):
        custom_ids.encode("tr", refs=",".join(["0" * 12] * (custom_ids.MAX_TRANSLATED + 1)))


def test_other_ids_are_not_ours() -> None:
    assert custom_ids.decode("sb:more:12:abc") is None and custom_ids.decode("other:vote:up") is None
    assert custom_ids.answer_ref("sb:del:42") is None
    assert custom_ids.answer_ref("sb:ctx:0123456789ab:2") == "0123456789ab"


def test_each_button_class_matches_the_ids_of_its_kind() -> None:
    templates = {item.__discord_ui_compiled_template__.pattern for item in DYNAMIC_ITEMS}
    assert templates == {t for kind, t in custom_ids.TEMPLATES.items() if kind != "whym"}  # the form is no button


@pytest.mark.parametrize("item", DYNAMIC_ITEMS, ids=lambda item: item.__name__)
@given(data=st.data())
def test_a_button_made_from_its_custom_id_writes_the_same_custom_id(item: type, data: st.DataObject) -> None:
    pattern = item.__discord_ui_compiled_template__  # type: ignore[attr-defined]  # set by ui.DynamicItem
    kind = next(k for k, t in custom_ids.TEMPLATES.items() if t == pattern.pattern)
    custom_id = custom_ids.encode(kind, **data.draw(FIELDS[kind]))
    match = pattern.fullmatch(custom_id)
    assert match is not None
    button = item.from_match(match)  # type: ignore[attr-defined]  # the buttons' shared maker (`Guarded`)
    assert button.item.custom_id == custom_id or (kind == "ctx" and custom_id.count(":") == 2
                                                   and button.item.custom_id == f"{custom_id}:1")
