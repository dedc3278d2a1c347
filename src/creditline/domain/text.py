"""Free text a caller gives (names, notes, keys, references, accounts): bounded and printable."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput

#: Caps shared by the fields of each kind (a field with its own rule keeps its own cap).
MAX_NAME = 200
MAX_NOTE = 500
MAX_REF = 64  # a reference to another system's record: an order id, a counterparty

#: The bidirectional controls (embeddings, overrides, isolates, marks): invisible, they make
#: ``abc`` U+202E ``fdp.exe`` read as ``abcexe.pdf``. ``str.isprintable`` refuses them
#: (category Cf) with the control characters; they are named here so that the refusal can say
#: which it was.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
)


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

    Printable, because these strings end up as ids, in hashes, logs, statements and on an
    operator's screen, where a newline or an escape sequence would forge a record or break a
    line, and a bidirectional override would show other text than was stored.
    """
    text = value.strip() if strip else value
    bounds = f"1 to {max_length}" if required else f"at most {max_length}"
    if (required and not text) or len(text) > max_length:
        raise InvalidInput(field, f"{field} must be {bounds} characters ({len(text)} given)")
    if not text.isprintable():
        bad = next(c for c in text if not c.isprintable())
        kind = "bidirectional control" if bad in BIDI_CONTROLS else "control character"
        raise InvalidInput(
            field, f"{field} must be printable text: it contains a {kind} (U+{ord(bad):04X})"
        )
    if not spaces and " " in text:
        raise InvalidInput(field, f"{field} must not contain spaces")
    return text
