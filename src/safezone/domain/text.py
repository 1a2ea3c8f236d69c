"""What an operator may type into any free text: headlines, descriptions, instructions, event
names, notes, reasons.

Everything but the characters that break a message on its way out: control characters
(C0 but tab, newline and carriage return, which CAP and XML allow; DEL; C1), the
noncharacters U+FFFE/U+FFFF and their kin, and lone surrogates (half of a UTF-16 pair, which
no UTF-8 document can hold). XML 1.0 cannot carry most of them at all, so a text holding one
would pass compose and approval and then fail at issue; it is refused where it enters
instead, naming the field.
"""

from __future__ import annotations

import re

from safezone.domain.errors import InputError

# U+FFFE and U+FFFF of every plane, and U+FDD0–U+FDEF: the Unicode noncharacters.
_NONCHARACTERS = "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # controls, but tab, newline and carriage return
    "\ud800-\udfff"  # lone surrogates
    "\ufdd0-\ufdef" + _NONCHARACTERS + "]"
)


def check_free_text(value: str, field: str) -> str:
    """`value` unchanged, or an InputError naming `field`, the character and where it is."""
    found = _REFUSED.search(value)
    if found is not None:
        code = ord(found.group())
        raise InputError(f"{field} holds the character U+{code:04X} at position {found.start() + 1}, a control "
                         "character or non-character that a published message cannot carry; remove it",
                         field=field)
    return value
