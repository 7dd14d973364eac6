"""Text helpers shared by the apps."""

import unicodedata


def fold(value: str) -> str:
    """Case- and accent-insensitive key: 'Nguyễn  Văn' -> 'nguyen van'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
