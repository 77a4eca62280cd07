"""Secret redaction for running configurations, Oxidized-style: the key stays, the value goes.

Runs before a configuration is stored, hashed, diffed or shown. Each platform file lists
its ``SecretRule``s; a rule's ``secret`` groups are replaced by a marker and everything
else on the line stays, so ``username admin secret 9 <redacted>`` still tells the
compliance engine the kind of secret (type 9) and a diff still shows which line changed.

Markers say what the compliance rules need to know and nothing more:

* ``<redacted:default-community>``: an SNMP community from the well-known default list
  (NET-SNMP-01 must still find ``public`` after redaction);
* ``<redacted:cleartext>``: a password or key written with no encryption keyword at all
  (``radius-server key RADiUs``), where no type number is left to say so;
* ``<redacted>``: anything else. A type keyword (``0``, ``7``, ``simple``, ``cipher``,
  ``irreversible-cipher``, ``hash``) is outside the marker and stays.

>>> redact("snmp-server community public RO\\nsnmp-server community s3cret RW 5", "cisco_ios")
'snmp-server community <redacted:default-community> RO\\nsnmp-server community <redacted> RW 5'
>>> redact(" local-user admin password irreversible-cipher $1c$abc$", "huawei_vrp")
' local-user admin password irreversible-cipher <redacted>'
>>> redact("radius-server key RADiUs", "cisco_ios")
'radius-server key <redacted:cleartext>'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from netcensus.collectors.platforms import PLATFORMS, spec
from netcensus.collectors.platforms.base import SecretKind, SecretRule
from netcensus.inventory.enums import Platform

MARKER = "<redacted>"
DEFAULT_COMMUNITY_MARKER = "<redacted:default-community>"
CLEARTEXT_MARKER = "<redacted:cleartext>"
# The compliance catalog's ``default_communities`` parameter (G7). A pack may extend its
# own list, but redaction happens before any pack is read, so this is the list that counts.
DEFAULT_COMMUNITIES = frozenset(
    {"public", "private", "cisco", "admin", "community", "huawei", "h3c"}
)

_ANY_MARKER = re.compile(r"<redacted(?::[a-z-]+)?>")


def _marker(rule: SecretRule, match: re.Match[str], value: str) -> str:
    if rule.kind is SecretKind.COMMUNITY and value.lower() in DEFAULT_COMMUNITIES:
        return DEFAULT_COMMUNITY_MARKER
    typed = "type" in match.re.groupindex and match.group("type") is not None
    if rule.untyped_is_cleartext and not typed:
        return CLEARTEXT_MARKER
    return MARKER


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _apply(rule: SecretRule, text: str) -> str:
    secret_groups = [name for name in rule.pattern.groupindex if name.startswith("secret")]

    def replace(match: re.Match[str]) -> str:
        line, base = match.group(0), match.start()
        pieces: list[str] = []
        cursor = 0
        for name in secret_groups:
            start, end = match.span(name)
            if start < 0:  # optional group (e.g. an SNMPv3 priv key) not present
                continue
            value = match.group(name)
            if rule.kind is SecretKind.BLOCK:
                # A marker per line: the lines after the block keep their numbers.
                replacement = "".join(
                    f"{_indent(body)}{MARKER}\n" for body in value.removesuffix("\n").split("\n")
                )
            else:
                replacement = _marker(rule, match, value)
            pieces += [line[cursor : start - base], replacement]
            cursor = end - base
        pieces.append(line[cursor:])
        return "".join(pieces)

    return rule.pattern.sub(replace, text)


def _apply_all(rules: Iterable[SecretRule], text: str) -> str:
    for rule in rules:
        text = _apply(rule, text)
    return text


# When the rules of several platforms find overlapping secrets, the marker that tells
# compliance the most wins.
_MARKER_RANK = {MARKER: 0, CLEARTEXT_MARKER: 1, DEFAULT_COMMUNITY_MARKER: 2}


def _redact_by_every_platform(text: str) -> str:
    """Every character any platform's line rule takes for a secret, replaced.

    The rules read the text each on its own rather than one after the other: a rule of
    one platform may take another platform's keyword for the secret (IOS's
    "pre-shared-key X" reads VRP's "pre-shared-key cipher X" as the secret "cipher") and
    would leave the real one for nobody. Taking the union of what they all found
    over-redacts at worst.
    """
    spans: list[tuple[int, int, str]] = []
    for platform_spec in PLATFORMS.values():
        for rule in platform_spec.secrets:
            if rule.kind is SecretKind.BLOCK:
                continue
            names = [n for n in rule.pattern.groupindex if n.startswith("secret")]
            for match in rule.pattern.finditer(text):
                for name in names:
                    start, end = match.span(name)
                    if start >= 0:
                        spans.append((start, end, _marker(rule, match, match.group(name))))
    pieces: list[str] = []
    cursor = 0
    for start, end, marker in sorted(spans):
        if start < cursor:  # overlaps the secret just replaced: widen it
            if pieces and end > cursor:
                cursor = end
            if _MARKER_RANK[marker] > _MARKER_RANK[pieces[-1]]:
                pieces[-1] = marker
            continue
        pieces += [text[cursor:start], marker]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def redact(text: str, platform: Platform | str | None) -> str:
    """``text`` with every secret the platform's rules know replaced by a marker.

    A device of unknown platform gets every platform's rules (over-redacting is safe),
    see ``_redact_by_every_platform``.

    Idempotent: markers are never taken for secrets, so redacting twice changes nothing.
    """
    if platform is not None and Platform(platform) in PLATFORMS:
        return _apply_all(spec(platform).secrets, text)
    blocks = (r for s in PLATFORMS.values() for r in s.secrets if r.kind is SecretKind.BLOCK)
    return _redact_by_every_platform(_apply_all(blocks, text))


def is_redacted(text: str) -> bool:
    """Whether ``text`` carries at least one marker (for callers that want to say so)."""
    return _ANY_MARKER.search(text) is not None
