"""Case-insensitive text search for every alphabet on SQLite (the demo's embedded database).

SQLite's own LIKE folds the case of ASCII letters only: "молоко" does not find "Молоко 0,9 л",
so an owner searching the product list in Russian or Kazakh finds nothing. Django's contains,
icontains, iexact and startswith lookups are all LIKE on SQLite; each new connection gets a LIKE
that folds case by Unicode (str.casefold), with the same wildcards and ESCAPE. PostgreSQL needs
nothing: Django's icontains there is UPPER(...) LIKE UPPER(...), which folds Cyrillic.
"""

import functools
import re


@functools.lru_cache(maxsize=512)
def _like_pattern(pattern: str, escape: str | None) -> re.Pattern:
    parts, chars = [], iter(pattern)
    for char in chars:
        if escape and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def unicode_like(pattern, value, escape=None) -> int | None:
    """SQLite's like(pattern, value[, escape]): 1 if `value` matches, ignoring case in any alphabet."""
    if pattern is None or value is None:
        return None
    return int(_like_pattern(str(pattern).casefold(), escape).fullmatch(str(value).casefold()) is not None)


def sqlite_unicode_like_install(sender, connection, **kwargs) -> None:
    """connection_created: replace LIKE on a new SQLite connection (other databases are left alone)."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("like", 2, unicode_like, deterministic=True)
    connection.connection.create_function("like", 3, unicode_like, deterministic=True)
