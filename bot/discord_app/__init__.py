"""The Discord face of summit-bot: slash commands and mentions over the retrieval engine.

Nothing outside this package imports discord; `runner.run_bot` is the entry point used by
`summit-bot run`.
"""
