"""One extension per feature, loaded by `SummitBot.setup_hook`."""
