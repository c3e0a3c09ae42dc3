"""A reply's language, guessed from its most common words, so that the consistency
checks (FT520-FT522) compare a German reply with German replies: a team that answers
customers in their language writes "Hallo" where the English template says "Hi", and
that is no drift.

Each language has a handful of frequent words that the others do not use as words; a
reply is in the language with the most of them among its first words, when it has at
least two and clearly more than any other. Otherwise the language is unknown (""), and
the reply is compared with every reply of its label, as before.
"""

from __future__ import annotations

from itertools import repeat

# Frequent, distinctive words: none of them is a common word of another language here.
_VOCABULARY = {
    "en": "the and you your we our please thank thanks have will with this that for are been "
          "can would",
    "de": "der die das und sie ihr ihre ihren wir nicht ist mit für bitte danke vielen haben "
          "wurde werden ein eine uns auf",
    "fr": "le les et vous votre nous est pour pas avec merci une des du sur bonjour "
          "cordialement avons été",
    "es": "el los las y usted su nosotros gracias hemos saludos hola está muchas estimado",
    "it": "gli lei suo noi è grazie della abbiamo siamo buongiorno cordiali saluti sono",
    "pt": "os você seu nós obrigado obrigada não olá atenciosamente estamos foi",
    "nl": "het u uw wij voor bedankt een niet van dat hebben wordt groet vriendelijke",
}
_LANGUAGE_OF = {word: code for code, words in _VOCABULARY.items() for word in words.split()}
_KNOWN = frozenset(_LANGUAGE_OF)
_PUNCTUATION = ".,;:!?()[]{}\"'“”„«»‘’¡¿-"
_LOOK_AT = 16  # words: enough to decide (greetings and thanks come first), cheap (5 µs)
_MIN_HITS = 2


def guess_language(text: str) -> str:
    """"en", "de", "fr", "es", "it", "pt" or "nl"; "" when the text does not tell."""
    # Distinct known words only: one C-level set intersection, then a loop over a few.
    # The split stops after the words looked at, and map strips them without a loop.
    words = text[:_LOOK_AT * 12].casefold().split(None, _LOOK_AT)[:_LOOK_AT]
    known = _KNOWN.intersection(map(str.strip, words, repeat(_PUNCTUATION)))
    if len(known) < _MIN_HITS:
        return ""
    hits: dict[str, int] = {}
    for word in known:
        code = _LANGUAGE_OF[word]
        hits[code] = hits.get(code, 0) + 1
    ranked = [*sorted(hits.values(), reverse=True), 0]
    if ranked[0] < _MIN_HITS or ranked[0] < 2 * ranked[1]:
        return ""
    return max(hits, key=hits.__getitem__)
