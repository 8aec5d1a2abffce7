"""The name a downloaded file gets: the person's own words, Cyrillic included (RFC 5987), with an ASCII fallback."""

import re
import unicodedata
from urllib.parse import quote

UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def download_name(name: str, extension: str) -> str:
    """A file name from a title: characters no file system takes replaced, at most 150 characters."""
    cleaned = UNSAFE.sub(" ", name).strip(" .") or "report"
    return f"{re.sub(r' {2,}', ' ', cleaned)[:150]}.{extension}"


def ascii_fallback(filename: str) -> str:
    """For clients that ignore `filename*`: accents dropped, other letters as `_`."""
    decomposed = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in " .,-_()") else "_"
        for ch in unicodedata.normalize("NFKD", stem)
        if not unicodedata.combining(ch)
    )
    ascii_stem = re.sub(r"_+", "_", ascii_stem).strip(" _") or "report"
    return f"{ascii_stem}{dot}{extension}" if dot else decomposed or "report"


def content_disposition(filename: str) -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded UTF-8>`."""
    return f"attachment; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
