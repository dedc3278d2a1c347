"""Free text a caller gives (keys, references, accounts, notes): bounded and printable."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput


def printable_text(
    value: str,
    field: str,
    *,
    max_length: int,
    required: bool = True,
    strip: bool = False,
    spaces: bool = True,
) -> str:
    """``value`` (stripped first with ``strip``) when it is 1 (0 unless ``required``) to
    ``max_length`` printable characters, without a space unless ``spaces``; else
    ``InvalidInput`` naming ``field``.

    Printable, because these strings end up as ids, in hashes, logs and statements, where a
    newline or an escape sequence would forge a record or break a line.
    """
    text = value.strip() if strip else value
    empty = required and not text
    if empty or len(text) > max_length or not text.isprintable() or (not spaces and " " in text):
        bounds = f"1 to {max_length}" if required else f"at most {max_length}"
        without = "" if spaces else " without spaces"
        raise InvalidInput(field, f"{field} must be {bounds} printable characters{without}")
    return text
