"""Settings read from the environment or `.env` (pydantic-settings); the bottom floor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_cache_path, user_state_path
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_NAME = "summit-bot"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# An installed (non-editable) package carries the corpus as package data here; see pyproject.toml.
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent / "bundled_corpus"


def _default_corpus_dir() -> Path:
    """The corpus installed with the package, else `corpus/` of the source checkout."""
    return BUNDLED_CORPUS_DIR if BUNDLED_CORPUS_DIR.is_dir() else PROJECT_ROOT / "corpus"


def _default_index_dir() -> Path:
    return user_cache_path(APP_NAME) / "index"


def _default_state_dir() -> Path:
    return user_state_path(APP_NAME)


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every knob of the bot; each field names its environment variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True,
        env_ignore_empty=True,  # `SUMMIT_BOT_STATE_DIR=` (as in .env.example) means the default, not "."
    )

    corpus_dir: Path = Field(default_factory=_default_corpus_dir, validation_alias=_env("SUMMIT_BOT_CORPUS_DIR"))
    index_dir: Path = Field(default_factory=_default_index_dir, validation_alias=_env("SUMMIT_BOT_INDEX_DIR"))
    state_dir: Path = Field(default_factory=_default_state_dir, validation_alias=_env("SUMMIT_BOT_STATE_DIR"))
    model: str = Field(default=BUNDLED_MODEL, validation_alias=_env("SUMMIT_BOT_MODEL"))
    query_backend: Literal["auto", "onnx", "sentence-transformers"] = Field(
        default="auto", validation_alias=_env("SUMMIT_BOT_QUERY_BACKEND")
    )
    top_k: int = Field(default=3, ge=1, le=25, validation_alias=_env("SUMMIT_BOT_TOP_K"))
    translation: Literal["auto", "off"] = Field(default="auto", validation_alias=_env("SUMMIT_BOT_TRANSLATION"))
    # "on": the shipped reader model reads the best passages and decides (bot/retrieval/reader.py); "off":
    # likeness alone ranks, and the decision sees no reader (for comparisons: answers hedge far more).
    reader: Literal["on", "off"] = Field(default="on", validation_alias=_env("SUMMIT_BOT_READER"))
    max_question_chars: int = Field(default=500, ge=1, validation_alias=_env("SUMMIT_BOT_MAX_QUESTION_CHARS"))

    discord_token: SecretStr | None = Field(default=None, validation_alias=_env("DISCORD_TOKEN"))
    discord_guild_id: int | None = Field(default=None, validation_alias=_env("DISCORD_GUILD_ID"))
    allowed_channel_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), validation_alias=_env("ALLOWED_CHANNEL_IDS")
    )
    cooldown_rate: int = Field(default=4, ge=1, validation_alias=_env("SUMMIT_BOT_COOLDOWN_RATE"))
    cooldown_seconds: float = Field(default=30.0, gt=0, validation_alias=_env("SUMMIT_BOT_COOLDOWN_SECONDS"))
    max_concurrent_answers: int = Field(default=2, ge=1, validation_alias=_env("SUMMIT_BOT_MAX_CONCURRENT"))
    log_level: str = Field(default="INFO", validation_alias=_env("SUMMIT_BOT_LOG_LEVEL"))
    metrics_port: int | None = Field(default=None, ge=0, le=65535, validation_alias=_env("SUMMIT_BOT_METRICS_PORT"))
    metrics_host: str = Field(default="127.0.0.1", min_length=1, validation_alias=_env("SUMMIT_BOT_METRICS_HOST"))

    question_log: bool = Field(default=True, validation_alias=_env("SUMMIT_BOT_QUESTION_LOG"))
    retention_days: int = Field(default=90, ge=1, le=3650, validation_alias=_env("SUMMIT_BOT_RETENTION_DAYS"))
    database_url: str | None = Field(default=None, validation_alias=_env("SUMMIT_BOT_DATABASE_URL"))

    # Sharding: this process runs `shard_ids` (default: all) of `shard_count` gateway shards.
    shard_count: int | None = Field(default=None, ge=1, le=10_000, validation_alias=_env("SUMMIT_BOT_SHARD_COUNT"))
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None, validation_alias=_env("SUMMIT_BOT_SHARD_IDS")
    )

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            if not any(parts):
                return None
            if not all(parts):
                raise ValueError("empty item in the list of shard ids")
            return tuple(sorted({int(part) for part in parts}))
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SUMMIT_BOT_SHARD_IDS needs SUMMIT_BOT_SHARD_COUNT")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong:
                raise ValueError(f"shard ids {wrong} are outside 0..{self.shard_count - 1} (SUMMIT_BOT_SHARD_COUNT)")
        return self

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def syncs_commands(self) -> bool:
        """Whether this process registers the slash commands: the one that runs shard 0 (or the only one)."""
        return self.shard_count is None or self.shard_ids is None or 0 in self.shard_ids

    @field_validator("allowed_channel_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """`1,2` or `1;2` (spaces allowed); every item a Discord id. Empty items are mistakes, not "everywhere"."""
        if not isinstance(value, str):
            return value
        if not value.strip():
            return frozenset()
        items = [part.strip() for part in value.replace(";", ",").split(",")]
        if any(not item for item in items):
            raise ValueError(
                f"ALLOWED_CHANNEL_IDS has an empty item in {value!r}: give channel ids separated by commas, "
                "or leave it unset to answer in every channel"
            )
        return frozenset(_discord_id("ALLOWED_CHANNEL_IDS", item) for item in items)

    @field_validator("allowed_channel_ids")
    @classmethod
    def _positive_ids(cls, value: frozenset[int]) -> frozenset[int]:
        for item in value:
            _discord_id("ALLOWED_CHANNEL_IDS", item)
        return value

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return None if not value.strip() else _discord_id("DISCORD_GUILD_ID", value.strip())
        return value

    @field_validator("discord_guild_id")
    @classmethod
    def _positive_guild(cls, value: int | None) -> int | None:
        return None if value is None else _discord_id("DISCORD_GUILD_ID", value)


def _discord_id(name: str, value: object) -> int:
    """`value` as a Discord id (a positive integer), or a ValueError naming the setting."""
    try:
        number = int(str(value)) if not isinstance(value, bool) else -1
    except (TypeError, ValueError):
        number = -1
    if number <= 0:
        raise ValueError(f"{name}: {value!r} is not a Discord id (a positive number, e.g. 123456789012345678)")
    return number
