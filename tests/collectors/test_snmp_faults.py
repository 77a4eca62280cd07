"""The SNMP collector against agents that misbehave, and its MIB translations.

Agents are real snmpsim engines (lab/agents.py) serving small hand-written recordings
in tests/fixtures/snmp/: switch.snmprec (one of everything the collector reads, with
values chosen to exercise each translation) and malformed.snmprec (values that are
not what their MIB says). Nothing is mocked: a dead device is an address where
nothing listens, a slow one an agent told to answer late.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pysnmp.proto.rfc1902 import Integer, ObjectName, OctetString

from netcensus.collectors import snmp_decode
from netcensus.collectors.observation import Observation, ObservedNeighbour
from netcensus.collectors.snmp import SnmpTarget, collect, collect_many
from netcensus.lab.agents import AgentSpec, start_agents

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "snmp"
V3 = {"v3_user": "netcensus", "v3_auth_key": "auth-secret-1", "v3_priv_key": "priv-secret-1"}
# A second device with the same user name and other keys: must not disturb the first.
V3_OTHER = {"v3_user": "netcensus", "v3_auth_key": "auth-secret-2", "v3_priv_key": "priv-secret-2"}


def _net() -> str:
    worker = int(re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "gw0")) or 0)
    return f"127.92.{worker}"


NET = _net()
SWITCH, MALFORMED, SLOW, SWITCH_2, FIDELITY, EMPTY, SILENT, LATE, NOBODY = (
    f"{NET}.{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 250)
)
# A real switch whose agent never answers one wide GETBULK of its forwarding table.
SILENT_RECORDING = (
    FIXTURES.parents[3] / "shared" / "data" / "snmp" / "librenms" / "vrp_5720-vrf.snmprec"
)


@pytest.fixture(scope="module")
def agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    specs = [
        AgentSpec("switch", SWITCH, FIXTURES / "switch.snmprec", "public", **V3),
        AgentSpec("malformed", MALFORMED, FIXTURES / "malformed.snmprec", "public"),
        AgentSpec("slow", SLOW, FIXTURES / "switch.snmprec", "public", delay_s=0.3),
        AgentSpec("switch-2", SWITCH_2, FIXTURES / "switch.snmprec", "public", **V3_OTHER),
        AgentSpec("fidelity", FIDELITY, FIXTURES / "fidelity.snmprec", "public", **V3),
        AgentSpec("empty", EMPTY, FIXTURES / "empty.snmprec", "public"),
        AgentSpec("silent", SILENT, SILENT_RECORDING, "public"),
        AgentSpec("late", LATE, FIXTURES / "switch.snmprec", "public", delay_s=1.0),
    ]
    with start_agents(specs, tmp_path_factory.mktemp("agents")):
        yield


def _run(target: SnmpTarget) -> Observation:
    return asyncio.run(collect(target))


def _many(targets: list[SnmpTarget]) -> dict[str, Observation]:
    async def run() -> dict[str, Observation]:
        return {o.target: o async for o in collect_many(targets, concurrency=8)}

    return asyncio.run(run())


@pytest.fixture(scope="module")
def switch(agents: None) -> Observation:
    return _run(SnmpTarget("switch", SWITCH, 1161, community="public", timeout=5))


@pytest.mark.lab
def test_system_and_entity(switch: Observation) -> None:
    assert switch.ok and switch.errors == []
    assert (switch.sys_name, switch.sys_location, switch.sys_contact) == (
        "sw-test-1",
        "Room 101",
        "noc@example.org",
    )
    assert switch.sys_object_id == "1.3.6.1.4.1.2011.2.23.291"
    assert (switch.vendor, switch.platform, switch.uptime_s) == ("Huawei", "huawei_vrp", 1234.56)
    # The chassis inside the stack entity, not the stack or the port.
    assert (switch.model, switch.serial, switch.os_version) == (
        "S5720-28X-LI-AC",
        "2102350DLS10JB000123",
        "V200R011C10SPC500",
    )
    assert switch.chassis_mac == "00:e0:fc:00:00:00"


@pytest.mark.lab
def test_interfaces(switch: Observation) -> None:
    got = {
        i.if_index: (
            i.name,
            i.speed,
            i.admin_status,
            i.oper_status,
            i.mac,
            i.alias,
            i.mtu,
            i.addresses,
        )
        for i in switch.interfaces
    }
    assert got == {
        1: ("GigabitEthernet0/0/1", 10**9, "up", "up", "00:e0:fc:00:00:01", "to pc-17", 1500, []),
        2: ("GigabitEthernet0/0/2", 10**9, "up", "down", "00:e0:fc:00:00:02", None, 1500, []),
        # ifSpeed saturated at 4294967295: the speed comes from ifHighSpeed (Mbit/s).
        3: (
            "XGigabitEthernet0/0/1",
            10 * 10**9,
            "up",
            "up",
            "00:e0:fc:00:00:03",
            "to sw-core-1",
            9216,
            [],
        ),
        10: ("Vlanif1", 10**9, "up", "up", "00:e0:fc:00:00:00", None, 1500, ["10.1.1.1/24"]),
    }


@pytest.mark.lab
def test_lldp_and_cdp_neighbours(switch: Observation) -> None:
    by_local = {(n.protocol, n.local_interface): n for n in switch.neighbours}
    assert len(switch.neighbours) == 3
    # lldpRemLocalPortNum 103 is not an ifIndex: lldpLocPortId names the port.
    assert by_local[("lldp", "XGigabitEthernet0/0/1")] == ObservedNeighbour(
        protocol="lldp",
        local_interface="XGigabitEthernet0/0/1",
        remote_chassis_id="a0:b1:c2:d3:e4:f5",  # chassis id subtype macAddress
        remote_system_name="sw-core-1",
        remote_port="XGigabitEthernet0/0/2",
        remote_port_description="to sw-test-1",
        remote_mgmt_address="10.1.1.254",  # IPv4 preferred over the IPv6 one, both from the index
        remote_platform="Huawei S6730-H24X6C",
        remote_capabilities=["bridge", "router"],
    )
    host = by_local[("lldp", "GigabitEthernet0/0/1")]
    # chassis id subtype local (kept as text), port id subtype macAddress (normalised)
    assert (host.remote_chassis_id, host.remote_port, host.remote_capabilities) == (
        "host-17",
        "00:11:22:33:44:55",
        ["station"],
    )
    cdp = by_local[("cdp", "GigabitEthernet0/0/2")]
    assert (
        cdp.remote_system_name,
        cdp.remote_port,
        cdp.remote_platform,
        cdp.remote_mgmt_address,
    ) == (
        "ap-1.example",
        "GigabitEthernet0",
        "cisco AIR-AP2802I-H-K9",
        "10.1.1.253",
    )
    assert cdp.remote_capabilities == ["router", "bridge", "station"]


@pytest.mark.lab
def test_fdb_and_arp(switch: Observation) -> None:
    # Q-BRIDGE wins over BRIDGE-MIB; FDB 1 is VLAN 10 (dot1qVlanFdbId); FDB 2 has no mapping
    # and is taken as VLAN 2; the bridge's own MAC (status self) is left out.
    assert sorted((m.mac, m.interface, m.vlan, m.static) for m in switch.fdb) == [
        ("00:11:22:33:44:55", "GigabitEthernet0/0/1", 10, False),
        ("00:11:22:33:44:66", "GigabitEthernet0/0/2", 2, True),
        ("a0:b1:c2:d3:e4:f5", "XGigabitEthernet0/0/1", 10, False),
    ]
    # ipNetToMedia + ipNetToPhysical without the duplicate; the invalid entry is dropped.
    assert sorted((a.ip, a.mac, a.interface) for a in switch.arp) == [
        ("10.1.1.17", "00:11:22:33:44:55", "Vlanif1"),
        ("fe80::11", "00:11:22:33:44:77", "Vlanif1"),
    ]


@pytest.mark.lab
def test_malformed_values_are_errors_and_the_rest_is_kept(agents: None) -> None:
    obs = _run(SnmpTarget("malformed", MALFORMED, 1161, community="public", timeout=5))
    assert obs.ok
    errors = {(e.part, e.code, e.message.split(":")[0]) for e in obs.errors}
    assert errors == {
        ("system", "malformed", "sysDescr.0"),  # ff fe ... is not UTF-8
        ("interfaces", "malformed", "ifSpeed.1"),  # an OCTET STRING where a Gauge32 belongs
        ("lldp", "malformed", "lldpRemTable"),  # index without its third part
    }
    assert obs.sys_name == "bad-agent-1" and obs.vendor == "H3C"
    assert obs.sys_descr is not None and obs.sys_descr.endswith("<script>")
    interfaces = {i.if_index: i for i in obs.interfaces}
    assert (interfaces[1].name, interfaces[1].speed) == ("GE1/0/1", None)
    assert interfaces[1].alias == "上联接口"  # GBK, decoded
    assert (interfaces[2].name, interfaces[2].speed, interfaces[2].alias) == (
        "GE1/0/2",
        10**8,
        "spare",
    )


@pytest.mark.lab
def test_dead_device_times_out_and_the_rest_is_collected(agents: None) -> None:
    results = _many(
        [
            SnmpTarget("dead", NOBODY, 1161, community="public", timeout=0.5, retries=0),
            SnmpTarget("switch", SWITCH, 1161, community="public", timeout=5),
            SnmpTarget("malformed", MALFORMED, 1161, community="public", timeout=5),
        ]
    )
    assert (results["dead"].ok, results["dead"].error_code) == (False, "timeout")
    assert results["dead"].interfaces == []
    assert results["switch"].ok and len(results["switch"].interfaces) == 4
    assert results["malformed"].ok and results["malformed"].sys_name == "bad-agent-1"


@pytest.mark.lab
def test_wrong_v2c_community_is_a_timeout_that_says_so(agents: None) -> None:
    obs = _run(SnmpTarget("switch", SWITCH, 1161, community="private", timeout=0.5, retries=0))
    assert (obs.ok, obs.error_code) == (False, "timeout")
    assert obs.error is not None and "community" in obs.error
    assert "private" not in obs.error  # the community is a secret


@pytest.mark.lab
def test_slow_agent_is_cut_off_by_the_device_deadline(agents: None) -> None:
    """Every answer comes 0.3 s late and the device gets 0.5 s: what was complete is kept,
    each part cut short is a timeout error and left out (not reported half)."""
    obs = _run(SnmpTarget("slow", SLOW, 1161, community="public", timeout=5, max_duration=0.5))
    assert obs.ok
    assert obs.sys_name == "sw-test-1"  # the first answer carried the system group
    assert {e.code for e in obs.errors} == {"timeout"}
    cut_short = {e.part for e in obs.errors}
    assert cut_short and cut_short <= {"interfaces", "entity", "lldp", "cdp", "fdb", "arp"}
    if "interfaces" in cut_short:
        assert obs.interfaces == []


@pytest.mark.lab
def test_slow_agent_beyond_the_request_timeout(agents: None) -> None:
    obs = _run(SnmpTarget("slow", SLOW, 1161, community="public", timeout=0.1, retries=0))
    assert (obs.ok, obs.error_code) == (False, "timeout")


@pytest.mark.lab
def test_a_busy_event_loop_does_not_stretch_the_request_timeout(agents: None) -> None:
    """The request timeout is wall-clock time, however busy the collector's event loop.

    pysnmp counts timeouts in ticks of a timer on the loop; other devices being decoded
    (or a process that also reconciles) delay the ticks, and the lab's slow agent was heard
    by one scan and timed out in another. Here the loop is blocked in slices as decoding
    blocks it, and an agent answering 1 s late is a timeout of 0.4 s, not an answer.
    """
    late = SnmpTarget("late", LATE, 1161, community="public", timeout=0.4, retries=0)

    async def run() -> Observation:
        busy = True

        async def decode_elsewhere() -> None:
            while busy:
                time.sleep(0.3)  # CPU work that holds the loop, as decoding a big table does
                await asyncio.sleep(0)

        hog = asyncio.create_task(decode_elsewhere())
        try:
            return await collect(late)
        finally:
            busy = False
            await hog

    obs = asyncio.run(run())
    assert (obs.ok, obs.error_code) == (False, "timeout")


@pytest.mark.lab
def test_v3_auth_priv_sha_aes(agents: None) -> None:
    """Two devices, one user name, different keys, collected concurrently: both succeed."""
    results = _many(
        [
            SnmpTarget(
                "switch", SWITCH, 1161, v3_auth_protocol="sha", v3_priv_protocol="aes", **V3
            ),
            SnmpTarget("switch-2", SWITCH_2, 1161, **V3_OTHER),
        ]
    )
    for obs in results.values():
        assert obs.ok, obs.error
        assert obs.sys_name == "sw-test-1" and len(obs.neighbours) == 3


@pytest.mark.lab
@pytest.mark.parametrize(
    "credentials",
    [
        {**V3, "v3_auth_key": "wrong-auth-key"},
        {**V3, "v3_priv_key": "wrong-priv-key"},
        {**V3, "v3_user": "nobody"},
    ],
    ids=["auth-key", "priv-key", "user"],
)
def test_v3_wrong_credentials_are_auth_errors(agents: None, credentials: dict[str, str]) -> None:
    obs = _run(SnmpTarget("switch", SWITCH, 1161, timeout=1, retries=0, **credentials))
    assert (obs.ok, obs.error_code) == (False, "auth")
    assert obs.error is not None
    assert (
        credentials["v3_auth_key"] not in obs.error and credentials["v3_priv_key"] not in obs.error
    )


def test_target_keeps_secrets_out_of_repr() -> None:
    target = SnmpTarget("r1", "127.0.0.1", community="s3cret-community")
    assert "s3cret" not in repr(target)
    with pytest.raises(ValueError, match="either a v2c community or a v3 user"):
        SnmpTarget("r1", "127.0.0.1")


def test_walk_loop_ends_the_column_with_an_error() -> None:
    """An agent answering an OID that does not increase would loop a walk forever."""
    from netcensus.collectors.snmp import _Column, _Walk

    dec = snmp_decode.Decoder()
    walk = _Walk(agent=None, deadline=0.0, max_varbinds=64, max_repetitions=10, dec=dec)  # type: ignore[arg-type]
    base = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
    column = _Column("ifDescr", "interfaces", base, base)
    walk._feed([column], [(base + (1,), OctetString(b"a")), (base + (2,), OctetString(b"b"))])
    walk._feed([column], [(base + (1,), OctetString(b"a"))])  # back to .1: a loop
    assert column.done and list(column.rows) == [(1,), (2,)]
    assert [(e.part, e.code) for e in dec.errors] == [("interfaces", "walk-loop")]
    assert "walk stopped after 2 rows" in dec.errors[0].message


def test_walk_goes_on_past_oids_out_of_order() -> None:
    """Like snmpbulkwalk -Cc: a lower OID not seen before is a row, and the walk goes on."""
    from netcensus.collectors.snmp import _Column, _Walk

    dec = snmp_decode.Decoder()
    walk = _Walk(agent=None, deadline=0.0, max_varbinds=64, max_repetitions=10, dec=dec)  # type: ignore[arg-type]
    base = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
    column = _Column("ifDescr", "interfaces", base, base)
    walk._feed([column], [(base + (5,), OctetString(b"e")), (base + (3,), OctetString(b"c"))])
    walk._feed([column], [(base + (7,), OctetString(b"g"))])
    assert not column.done and list(column.rows) == [(5,), (3,), (7,)]
    assert dec.errors == []


def test_decoder_records_wrong_types() -> None:
    dec = snmp_decode.Decoder()
    assert dec.integer("interfaces", "ifMtu", (1,), OctetString(b"1500")) is None
    assert dec.text("system", "sysName", (0,), Integer(5)) is None
    assert dec.oid("system", "sysObjectID", (0,), ObjectName((1, 3, 6))) == "1.3.6"
    assert [e.message.split(":")[0] for e in dec.errors] == ["ifMtu.1", "sysName.0"]


@pytest.fixture(scope="module")
def fidelity(agents: None) -> Observation:
    return _run(SnmpTarget("fidelity", FIDELITY, 1161, community="public", timeout=5))


@pytest.mark.lab
def test_text_is_decoded_and_nul_padding_cut(fidelity: Observation) -> None:
    """GBK sysLocation/sysContact/ifAlias/VLAN name decoded; NUL padding never kept."""
    assert fidelity.ok
    assert (fidelity.sys_location, fidelity.sys_contact) == ("广州市越秀区", "网管中心")
    assert {i.if_index: i.alias for i in fidelity.interfaces}[1] == "上联接口"
    lldp = next(n for n in fidelity.neighbours if n.protocol == "lldp")
    assert lldp.remote_port == "mgmt0"  # sent as mgmt0 + 8 NUL octets
    assert [(v.vid, v.name) for v in fidelity.vlans] == [
        (1, "default"),
        (10, "users"),
        (20, "办公网"),
    ]
    assert "\x00" not in json.dumps(fidelity.to_dict(), ensure_ascii=False)


@pytest.mark.lab
def test_out_of_range_counter64_speed_is_null_with_a_part_error(fidelity: Observation) -> None:
    speeds = {i.if_index: i.speed for i in fidelity.interfaces}
    # ifSpeed 2^64-1 (ifHighSpeed 1000 gives the speed); saturated ifSpeed whose
    # ifHighSpeed is 2^64-1: unknown, not 4.29 Gbit/s.
    assert (speeds[1], speeds[2]) == (10**9, None)
    assert [(e.part, e.code, e.message.split(":")[0]) for e in fidelity.errors] == [
        ("interfaces", "out-of-range", "ifSpeed.1"),
        ("interfaces", "out-of-range", "ifHighSpeed.2"),
    ]


@pytest.mark.lab
def test_forwarding_entries_out_of_order_are_all_walked(fidelity: Observation) -> None:
    assert sorted(m.mac for m in fidelity.fdb) == [
        "00:11:22:33:44:11",
        "00:11:22:33:44:33",
        "00:11:22:33:44:55",
        "00:11:22:33:44:66",
    ]


@pytest.mark.lab
def test_cdp_mac_device_id_and_four_octet_lldp_capabilities(fidelity: Observation) -> None:
    by_protocol = {n.protocol: n for n in fidelity.neighbours}
    cdp, lldp = by_protocol["cdp"], by_protocol["lldp"]
    assert (cdp.remote_chassis_id, cdp.remote_system_name) == ("00:11:22:aa:bb:cc", None)
    assert lldp.remote_capabilities == ["bridge", "router"]


@pytest.mark.lab
def test_duplicate_interface_names_stay_apart(fidelity: Observation) -> None:
    assert [(i.if_index, i.name) for i in fidelity.interfaces if i.name == "lo0"] == [
        (5, "lo0"),
        (6, "lo0"),
    ]


@pytest.mark.lab
def test_an_agent_that_returns_nothing_is_a_failure(agents: None) -> None:
    obs = _run(SnmpTarget("empty", EMPTY, 1161, community="public", timeout=5))
    assert (obs.ok, obs.error_code) == (False, "no-data")


@pytest.mark.lab
def test_v3_auth_no_priv_against_a_privacy_user_fails_clearly(agents: None) -> None:
    obs = _run(SnmpTarget("fidelity", FIDELITY, 1161, timeout=1, retries=0, v3_user="netcensus",
                          v3_auth_key=V3["v3_auth_key"]))  # fmt: skip
    assert (obs.ok, obs.error_code) == (False, "auth")
    assert obs.error is not None and "security level" in obs.error.lower()


@pytest.mark.parametrize("which", ["v3_auth_key", "v3_priv_key"])
def test_v3_key_under_eight_characters_is_a_clear_failure(which: str) -> None:
    keys = {**V3, which: "short"}
    obs = _run(SnmpTarget("r1", NOBODY, 1161, timeout=0.2, retries=0, **keys))
    assert (obs.ok, obs.error_code) == (False, "auth")
    assert obs.error is not None and "at least 8" in obs.error and "short" not in obs.error


@pytest.mark.lab
def test_a_request_the_agent_never_answers_is_narrowed_not_given_up(agents: None) -> None:
    """vrp_5720-vrf answers its FDB column by column with few rows, never in one wide
    GETBULK: the walk narrows (one column, fewer rows) and gets all 918 entries."""
    obs = _run(SnmpTarget("silent", SILENT, 1161, community="public", timeout=2, retries=0))
    assert obs.ok and obs.errors == []
    assert len(obs.fdb) == 918
