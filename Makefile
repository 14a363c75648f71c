# summit-bot: two commands do all set-up.
#   make ask Q="What did Maduro propose?"   install (first time) and answer in the terminal
#   make test                                install (first time) and run every check CI runs
# `make run` starts the Discord bot (needs DISCORD_TOKEN in the environment or .env).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
Q ?= What did Maduro propose for the region's food supply?
# torch's CPU build comes from PyTorch's own CPU wheel index: PyPI's torch is the multi-GB CUDA build
# on Linux. A short timeout and one retry: where that index cannot be reached, pip takes torch from
# the other indexes (or a local wheel) without a long wait.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIP_FLAGS := --extra-index-url $(TORCH_INDEX) --timeout 10 --retries 1

.PHONY: install ask run index test lint eval bench clean messages

install: $(STAMP)

# The development install is the full one: the base package, the `index` extra (torch, CPU build,
# installed first from the CPU index) to build the index, and the dev tools.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_FLAGS) torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[index,dev]'
	touch $(STAMP)

ask: $(STAMP)
	@$(BIN)/summit-bot ask "$(Q)"

run: $(STAMP)
	$(BIN)/summit-bot run

index: $(STAMP)
	$(BIN)/summit-bot index

lint: $(STAMP)
	$(BIN)/ruff check .

eval: $(STAMP)
	$(BIN)/summit-bot eval eval/dev_questions.jsonl --check eval/floors.json

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest
	$(BIN)/summit-bot eval eval/dev_questions.jsonl --check eval/floors.json --misses 0

# Bring every catalog (bot/locales/<lang>/LC_MESSAGES/summit_bot.po) up to date with the code and the corpus:
# new messages arrive empty, changed ones fuzzy; translate them, then `make test` checks nothing is missing.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k n_:1,2 -k p_:1c,2 -k loc:1c,2 --no-location --sort-output \
		--project summit-bot -o $(VENV)/summit_bot.pot .
	$(BIN)/pybabel update -i $(VENV)/summit_bot.pot -d bot/locales -D summit_bot --no-wrap --ignore-obsolete

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
