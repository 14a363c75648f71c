"""A fixed handful of questions for tests that need varied, realistic input.

The dev set (eval/dev_questions.jsonl) is run in one place only: `summit-bot eval --check
eval/floors.json` in `make test`, which measures quality against floors. Tests that only need
questions to compare two implementations or check an invariant use these instead, so they neither
repeat the dev set's cost nor change when it is re-drawn.
"""

from __future__ import annotations

SAMPLE_QUESTIONS: tuple[str, ...] = (
    "When did the extraordinary summit take place?",
    "was the ALBA meeting in person or online?",
    "What did Maduro propose for the region's food supply?",
    "How much money will fund the reintegration of deported migrants?",
    "What did Cuba's president say about the Guantanamo base?",
    "What did the Nicaraguan leader say about settlers and Indigenous peoples?",
    "What did Saint Lucia's prime minister promise?",
    "How did Arce want to treat people in mobility?",
    "Who wrote the article?",
    "whos the autor of the artcle",  # typo repair
    "When was the ALBA-TCP Bank created?",  # a "when" question the corpus does not answer
    "How does the piece finish?",
    "¿Qué dijo Díaz-Canel sobre Guantánamo?",
    "¿Cuándo fue la cumbre?",
    "What is the capital of France?",  # off topic
    "What did Lula say at the ALBA summit?",  # a leader who is not in the article
    "Did anyone mention remittances or tariffs?",
    "what did the saint lucia PM say",
)
