"""Answering a question: reading it (cleaning, greetings, follow-ups, questions about the whole event), the
engine that runs retrieval and the decision, the answer model with its citations, and its framing."""
