"""The one MAC normaliser: every part of netcensus spells a MAC as the store does.

The store, the CLI, the pages and the isolation analysis must agree on when two strings
are the same MAC, or a dual-homed PC found in one switch's table is missed in another's.
The spellings accepted are netutils' (``MAC_REGEX``: colon, dash and dot groups of two or
four digits, or twelve bare digits) plus net-snmp's unpadded octets (``0:1b:c:f:a0:1``);
the result is always ``aa:bb:cc:dd:ee:ff``.
"""

from __future__ import annotations

import re

from netutils.constants import MAC_REGEX

# netutils' patterns joined into one compiled regex: testing them one by one (as
# netutils.mac.is_valid_mac does) costs more than the rest of a MAC-table parse.
_NETUTILS_SPELLINGS = re.compile("|".join(f"(?:{pattern})" for pattern in MAC_REGEX.values()))
_UNPADDED_OCTETS = re.compile(r"[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}")
# The store's own spelling, the one met most often (isolation reads every sighting).
_CANONICAL = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_NO_SEPARATORS = str.maketrans("", "", ":.-")


def normalise_mac(value: str | None) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` for any common MAC spelling; None for anything else.

    >>> normalise_mac("AABB.CCDD.EEFF"), normalise_mac("b8d6-f6ff-7390")
    ('aa:bb:cc:dd:ee:ff', 'b8:d6:f6:ff:73:90')
    >>> normalise_mac("0:1b:c:f:a0:1"), normalise_mac(" 00-11-22-AA-BB-CC ")
    ('00:1b:0c:0f:a0:01', '00:11:22:aa:bb:cc')
    >>> normalise_mac("GigabitEthernet0/1") is None, normalise_mac(None) is None
    (True, True)
    """
    if not value:
        return None
    text = value.strip()
    if _CANONICAL.fullmatch(text):
        return text
    if _NETUTILS_SPELLINGS.fullmatch(text):
        d = text.translate(_NO_SEPARATORS).lower()
    elif _UNPADDED_OCTETS.fullmatch(text):
        d = "".join(octet.zfill(2) for octet in text.split(":")).lower()
    else:
        return None
    return f"{d[0:2]}:{d[2:4]}:{d[4:6]}:{d[6:8]}:{d[8:10]}:{d[10:12]}"


def mac_to_int(mac: str) -> int | None:
    """The MAC as a 48-bit integer (graph nodes, sorting); None when it is not a MAC.

    >>> mac_to_int("00:00:00:00:01:00"), mac_to_int("router-1")
    (256, None)
    """
    normal = normalise_mac(mac)
    return None if normal is None else int(normal.replace(":", ""), 16)
