"""Case-insensitive text search for every alphabet on SQLite (the demo's embedded database).

SQLite's own LIKE folds the case of ASCII letters only: "молоко" does not find "Молоко 0,9 л",
so an owner searching the product list in Russian or Kazakh finds nothing. Django's contains,
icontains, iexact and startswith lookups are all LIKE on SQLite; each new connection gets a LIKE
that folds case by Unicode (str.casefold), with the same wildcards and ESCAPE. PostgreSQL needs
nothing: Django's icontains there is UPPER(...) LIKE UPPER(...), which folds Cyrillic.
"""

import functools
import re
from collections.abc import Callable


@functools.lru_cache(maxsize=512)
def _like_matcher(pattern: str, escape: str | None) -> Callable[[str], bool]:
    """A test of a casefolded value against a casefolded LIKE pattern. Search boxes send
    '%term%' (and startswith 'term%'): those are plain substring tests, the rest a regular expression."""
    tokens: list[str | None] = []  # a literal character, or None for '%', or "" for '_'
    chars = iter(pattern)
    for char in chars:
        if escape and char == escape:
            tokens.append(next(chars, ""))
        elif char == "%":
            tokens.append(None)
        elif char == "_":
            tokens.append("")
        else:
            tokens.append(char)
    if "" not in tokens:
        inner = tokens[1:-1] if len(tokens) >= 2 else []
        if len(tokens) >= 2 and tokens[0] is None and tokens[-1] is None and None not in inner:
            literal = "".join(inner)
            return lambda value: literal in value
        if tokens and tokens[-1] is None and None not in tokens[:-1]:
            literal = "".join(tokens[:-1])
            return lambda value: value.startswith(literal)
        if None not in tokens:
            literal = "".join(tokens)
            return lambda value: value == literal
    regex = re.compile(
        "".join(".*" if t is None else "." if t == "" else re.escape(t) for t in tokens),
        re.DOTALL,
    )
    return lambda value: regex.fullmatch(value) is not None


def unicode_like(pattern, value, escape=None) -> int | None:
    """SQLite's like(pattern, value[, escape]): 1 if `value` matches, ignoring case in any alphabet."""
    if pattern is None or value is None:
        return None
    return int(_like_matcher(str(pattern).casefold(), escape)(str(value).casefold()))


def sqlite_unicode_like_install(sender, connection, **kwargs) -> None:
    """connection_created: replace LIKE on a new SQLite connection (other databases are left alone)."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("like", 2, unicode_like, deterministic=True)
    connection.connection.create_function("like", 3, unicode_like, deterministic=True)
