"""The maintainers' tools behind `summit-bot eval` and `summit-bot calibrate`: measuring answers on the question
sets and fitting the decision. The bot that answers never imports them."""
