"""The retrieval core: a question in; ranked, highlighted passages and how surely they answer, out.

A question's way through, one module a step (`pipeline.Retriever.retrieve` calls them in order):

1. `normalise`: typo repair towards the corpus's words and common English ("artcle" → "article");
2. `language`: English or Spanish, and for Spanish the corpus words its words are cognates of;
   `translate`: its English translation (Apertium, when installed), searched with it;
3. candidates (`pipeline.Retriever._candidates`): every passage of a small corpus, else the
   approximate index's nearest and BM25's best;
4. signals: dense cosines (passage, sentences, context), BM25 (`bot.index.lexical`), the kind of answer
   asked for (`answer_kinds`), the question's words and names the corpus never uses (`vocabulary`);
5. fuse: cosine + weight × BM25/max + a bonus for passages holding the wanted kind of answer;
6. decide (`decide`): high / medium / none from the calibrated model in `decision.json`;
7. highlight (`highlight`): the part of each passage that answers.
"""

from bot.retrieval.derived import DERIVED_VERSION, Derived
from bot.retrieval.lexical_document import LEXICAL_VERSION, lexical_document
from bot.retrieval.pipeline import (
    Hit,
    QueryEncoder,
    Reading,
    Retrieval,
    RetrievalConfig,
    Retriever,
)

__all__ = ["DERIVED_VERSION", "LEXICAL_VERSION", "Derived", "Hit", "QueryEncoder", "Reading", "Retrieval",
           "RetrievalConfig", "Retriever", "lexical_document"]
