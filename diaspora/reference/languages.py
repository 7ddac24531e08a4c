"""ISO 639-1 languages, from pycountry."""

from functools import cache

import pycountry


@cache
def language_choices() -> list[tuple[str, str]]:
    pairs = [
        (lang.alpha_2, lang.name) for lang in pycountry.languages if getattr(lang, "alpha_2", None)
    ]
    return sorted(pairs, key=lambda pair: pair[1])


@cache
def _names() -> dict[str, str]:
    return dict(language_choices())


def language_name(code: str) -> str:
    return _names().get(code, code)


def is_language(code: str) -> bool:
    return code in _names()
