"""The one MAC normaliser and the one device-level rule, which everything else calls."""

from __future__ import annotations

import doctest
import itertools

import pytest
from netutils.mac import is_valid_mac, mac_to_format
from sqlalchemy import select

from netcensus.inventory import macs, mlps
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Level
from netcensus.inventory.macs import normalise_mac
from netcensus.inventory.mlps import device_mlps_level, device_mlps_level_sql
from netcensus.inventory.models import Device, Site


@pytest.mark.parametrize("module", [macs, mlps])
def test_doctests(module: object) -> None:
    failures, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert tried and not failures


SPELLINGS = {
    "00:1b:0c:0f:a0:01": [
        "00:1B:0C:0F:A0:01",  # colon pairs (SNMP, IOS show lldp)
        "001b.0c0f.a001",  # Cisco dotted quads
        "001B-0C0F-A001",  # Huawei / H3C dash quads
        "00-1b-0c-0f-a0-01",  # Windows arp -a
        "001b0c0fa001",  # bare
        "0:1b:c:f:a0:1",  # net-snmp's unpadded octets
        "  00:1b:0c:0f:a0:01\n",  # padding from a text column
    ],
}
NOT_MACS = ["", "GigabitEthernet0/1", "00:1b:0c:0f:a0", "00:1b:0c:0f:a0:01:02", "zz:1b:0c:0f:a0:01",
            "001b.0c0f.a0011", "00:1b-0c:0f:a0:01", "router-1", "1.2.3.4"]  # fmt: skip


def test_every_common_spelling_meets_in_one_form() -> None:
    for canonical, spellings in SPELLINGS.items():
        for spelling in spellings:
            assert normalise_mac(spelling) == canonical, spelling


@pytest.mark.parametrize("text", NOT_MACS)
def test_what_is_not_a_mac_is_none(text: str) -> None:
    assert normalise_mac(text) is None


def test_agrees_with_netutils_on_every_netutils_format() -> None:
    """netutils is the reference: each of its formats of a MAC normalises back to the MAC."""
    for octets in itertools.islice(itertools.product(range(0, 256, 37), repeat=6), 0, 2000, 7):
        canonical = ":".join(f"{o:02x}" for o in octets)
        for frmt in ("MAC_COLON_TWO", "MAC_COLON_FOUR", "MAC_DASH_TWO", "MAC_DASH_FOUR",
                     "MAC_DOT_TWO", "MAC_DOT_FOUR", "MAC_NO_SPECIAL"):  # fmt: skip
            spelled = mac_to_format(canonical, frmt)
            assert is_valid_mac(spelled)
            assert normalise_mac(spelled) == canonical
            assert normalise_mac(spelled.upper()) == canonical


def test_device_level_follows_catalog_g4() -> None:
    assert [device_mlps_level(None, level) for level in Level] == [3, 3, 3, 2, 2, 2]
    assert device_mlps_level(4, Level.VILLAGE) == 4
    assert device_mlps_level(2, Level.NATIONAL) == 2
    # A device not placed at any site is judged like a raw config: L3.
    assert device_mlps_level(None, None) == 3


def test_sql_level_equals_python_level(store: Store) -> None:
    with store.transaction() as session:
        for n, level in enumerate(Level):
            session.add(Site(code=f"4{n}", name=level.value, level=level))
        session.flush()
        sites = list(session.scalars(select(Site)))
        n = 0
        for site in [*sites, None]:
            for declared in (None, 1, 2, 3, 4, 5):
                session.add(Device(name=f"d{n}", site_id=site.id if site else None,
                                   mlps_level=declared))  # fmt: skip
                n += 1
    with store.session() as session:
        rows = session.execute(
            select(Device.mlps_level, Site.level, device_mlps_level_sql()).outerjoin(
                Site, Device.site_id == Site.id
            )
        ).all()
    assert len(rows) == 7 * 6
    for declared, site_level, in_sql in rows:
        assert in_sql == device_mlps_level(declared, site_level), (declared, site_level)
