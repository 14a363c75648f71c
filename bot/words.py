"""Named word lists of English and Spanish, for the steps that read a question's words (no topic, no corpus).

Each list is written folded (lower case; the Spanish ones also without accents, as `bot.text.fold` gives
them) unless it says otherwise, English and Spanish apart, so that another language is one more list each.
The lists of one feature (what an overview question may hold, the nouns a highlight looks for) stay
beside it; these are the language's own: function words, pronouns, greetings.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: they carry no topic of their own (a follow-up made of them only points back).
EN_FUNCTION_WORDS = _words("""
a about above after again against all am an and any anything are as at be because been before being below
between both but by can could did do does doing done down during each few for from further had has have
having here how i if in into is just me might more most must my no nor not now of off on once only or our
out over own please really same say said says should so some something still such tell than that the then
there these they thing things this those through to too under until up us very was we were what whats
when where which while who whom whose why will with would you your yours ok okay pls plz ppl people
anything everything kind sort bit lot lots mean means get got give gave want wanted go going went make made
""")
# (A few are also listed with their accents, as first written.)
ES_FUNCTION_WORDS = _words("""
de del el la los las un una unos unas y o u e que qué como cómo cuando cuándo donde dónde quien quién quienes
cual cuál cuales por para con sin sobre en es son fue fueron ser era eran ha han hay habia había dijo dice
decir dijeron mas más muy tambien también pero porque al lo le les se su sus mi mis tu tus yo nos nosotros
este esta estos estas ese esa esos esas eso esto aquel algo nada todo toda todos todas cosa cosas si sí no
ya aun aún tanto tan cuanto cuánto cuantos cuántos cuanta cuántas
""")

# Pronouns that stand for a person named before ("did he propose anything else?").
EN_PERSON_PRONOUNS = _words("he him his himself she her hers herself")
ES_PERSON_PRONOUNS = _words("el ella lo la le su sus suyo suya")
# Words that point back at a thing said before ("what about that?").
EN_THING_POINTERS = _words("it its they them their that this those these there then such")
ES_THING_POINTERS = _words("eso esto esa ese aquello ello alli ahi entonces ellos ellas les")
# Words asking for something not shown yet ("anything else?").
EN_MORE_WORDS = _words("else other others another more further besides")
ES_MORE_WORDS = _words("mas otro otra otros otras ademas")

# Question words and verbs of asking (English, lower case): no topic, so BM25 leaves them out.
EN_QUESTION_WORDS = _words("what whats when where which who whom whose why how did does do done say said tell told "
                           "about anything something please article bot")
# What is left of an English contraction written without (or split at) its apostrophe: "isn't" → "isn", "t".
EN_CONTRACTIONS = _words("isn aren wasn weren don doesn didn hasn haven hadn shouldn couldn wouldn mustn ll ve re "
                         "whos hows wheres whens whys thats theres theyre youre")

# Words that only greet or thank: a message made of nothing else is not a question.
EN_GREETINGS = _words("hi hello hey hiya yo howdy greetings good morning afternoon evening there thanks thank you "
                      "cheers bot")
ES_GREETINGS = _words("hola buenas buenos buen dia dias tardes noches saludos que tal gracias muchas ola holi "
                      "bienvenido como estas")
