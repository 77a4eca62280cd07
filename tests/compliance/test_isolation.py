"""Isolation predicates on hand-built stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from netcensus.compliance.check import topology_rules
from netcensus.compliance.isolation import PREDICATES, TopologyRule, evaluate
from netcensus.compliance.packs import available_packs, load_ruleset
from netcensus.compliance.results import RuleResult
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, Level, LinkKind, Severity, Verdict, ZoneKind
from netcensus.inventory.models import Device, Endpoint, Interface, Link, Site, Zone

SEEN = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
EARLIER = dt.datetime(2026, 4, 20, 9, 30, tzinfo=dt.UTC)

# The isolation pack's topology rules, as compliance/rules/isolation.yaml declares them.
RULES = [
    TopologyRule("NET-ISO-01", "isolation", "device-spans-zones", Severity.CRITICAL),
    TopologyRule("NET-ISO-02", "isolation", "internal-external-path", Severity.CRITICAL),
    TopologyRule("NET-ISO-03", "isolation", "internal-internet-uplink", Severity.CRITICAL),
    TopologyRule("NET-ISO-04", "isolation", "dual-homed-endpoint", Severity.CRITICAL, 3),
    TopologyRule("NET-ISO-05", "isolation", "wireless-in-internal", Severity.CRITICAL, 3),
    TopologyRule("NET-ISO-06", "isolation", "wrong-upstream", Severity.HIGH),
    TopologyRule("NET-ISO-07", "isolation", "unapproved-cross-zone-device", Severity.CRITICAL),
    TopologyRule("NET-ISO-08", "isolation", "shared-service-across-zones", Severity.CRITICAL),
]


class Net:
    """A tiny network written straight into the store: sites, zones, devices, ports, links."""

    def __init__(self, session: Session):
        self.session = session
        self.zones: dict[tuple[str, str], Zone] = {}
        self.devices: dict[str, Device] = {}
        self.ports: dict[tuple[str, str], Interface] = {}

    def site(self, code: str, level: Level = Level.COUNTY, parent: str | None = None) -> Site:
        site = Site(code=code, name=f"office {code}", level=level, parent_code=parent)
        self.session.add(site)
        for name, kind, upstream in (
            ("internal", ZoneKind.INTERNAL, "intranet-backbone"),
            ("external", ZoneKind.EXTERNAL, "extranet-backbone"),
        ):
            zone = Zone(site=site, name=name, kind=kind, upstream=upstream)
            self.session.add(zone)
            self.zones[(code, name)] = zone
        self.session.flush()
        return site

    def device(
        self, name: str, code: str, zone: str, role: DeviceRole = DeviceRole.ACCESS_SWITCH,
        chassis_mac: str | None = None, mlps_level: int | None = 3,
    ) -> Device:  # fmt: skip
        z = self.zones[(code, zone)]
        device = Device(name=name, site_id=z.site_id, zone_id=z.id, role=role,
                        chassis_mac=chassis_mac, mlps_level=mlps_level)  # fmt: skip
        self.session.add(device)
        self.session.flush()
        self.devices[name] = device
        return device

    def port(
        self, device: str, name: str, mode: str = "access", zone: str | None = None,
        mac: str | None = None, if_type: int | None = None,
    ) -> Interface:  # fmt: skip
        if (device, name) in self.ports:
            return self.ports[(device, name)]
        dev = self.devices[device]
        zone_id = None
        if zone is not None:
            code = self.session.get(Site, dev.site_id).code  # type: ignore[union-attr]
            zone_id = self.zones[(code, zone)].id
        port = Interface(
            device_id=dev.id, name=name, mode=mode, zone_id=zone_id, mac=mac, if_type=if_type,
            last_seen=SEEN,
        )  # fmt: skip
        self.session.add(port)
        self.session.flush()
        self.ports[(device, name)] = port
        return port

    def link(
        self, a: tuple[str, str], b: tuple[str, str] | None = None,
        kind: LinkKind = LinkKind.LAN, **remote: object,
    ) -> Link:  # fmt: skip
        link = Link(
            a_interface_id=self.port(*a, mode="trunk").id,
            b_interface_id=self.port(*b, mode="trunk").id if b else None,
            kind=kind, evidence=["lldp"], last_seen=SEEN, **remote,
        )  # fmt: skip
        self.session.add(link)
        self.session.flush()
        return link

    def see(self, mac: str, device: str, port: str, vlan: int, mode: str = "access") -> None:
        self.session.add(
            Endpoint(
                mac=mac, device_id=self.devices[device].id,
                interface_id=self.port(device, port, mode=mode).id, vlan=vlan,
                first_seen=EARLIER, last_seen=SEEN,
            )
        )  # fmt: skip
        self.session.flush()


def two_zone_site(net: Net, code: str = "440103") -> None:
    """A clean county office serving a level-3 system: internal and external access switches."""
    net.site(code)
    net.device(f"{code}-int-sw", code, "internal", chassis_mac="00:11:11:00:00:01")
    net.device(f"{code}-ext-sw", code, "external", chassis_mac="00:22:22:00:00:01")
    net.device(f"{code}-int-core", code, "internal", role=DeviceRole.CORE_SWITCH)
    net.link((f"{code}-int-sw", "Gi0/48"), (f"{code}-int-core", "Gi1/0/1"))
    net.see("10:00:00:00:00:01", f"{code}-int-sw", "Gi0/1", 10)
    net.see("10:00:00:00:00:02", f"{code}-ext-sw", "Gi0/1", 20)
    # The internal core learns the access switch's hosts on its downlink: not plugged in there.
    net.see("10:00:00:00:00:01", f"{code}-int-core", "Gi1/0/1", 10)


def judge(store: Store, build, site_code: str | None = None) -> dict[str, list[RuleResult]]:  # type: ignore[no-untyped-def]
    with store.transaction() as session:
        build(Net(session))
    with store.session() as session:
        results = evaluate(session, RULES, site_code=site_code)
    by_rule: dict[str, list[RuleResult]] = defaultdict(list)
    for result in results:
        assert result.verdict == Verdict.FAIL
        by_rule[result.rule_id].append(result)
    return dict(by_rule)


def test_clean_two_zone_site_has_no_finding(store: Store) -> None:
    assert judge(store, two_zone_site) == {}


def test_internal_switch_linked_to_external_switch(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.link(("440103-int-sw", "Gi0/24"), ("440103-ext-sw", "Gi0/23"))

    found = judge(store, build)
    assert list(found) == ["NET-ISO-02"]
    (breach,) = found["NET-ISO-02"]
    assert breach.subject_key == "port:440103-int-sw/Gi0/24"
    assert breach.zone_kind == "internal" and breach.severity == Severity.CRITICAL
    ends = {(e.device, e.interface, e.zone) for e in breach.evidence}
    assert ends == {
        ("440103-int-sw", "Gi0/24", "internal"),
        ("440103-ext-sw", "Gi0/23", "external"),
    }
    assert all(e.seen_at == SEEN.isoformat() for e in breach.evidence)


def test_device_with_interfaces_in_both_zones(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.port("440103-int-core", "Gi1/0/24", mode="routed", zone="external")

    found = judge(store, build)
    assert list(found) == ["NET-ISO-01"]
    (breach,) = found["NET-ISO-01"]
    assert breach.subject_key == "device:440103-int-core"
    assert ("440103-int-core", "Gi1/0/24", "external") in {
        (e.device, e.interface, e.zone) for e in breach.evidence
    }


def test_vlans_on_one_switch_are_not_isolation(store: Store) -> None:
    """Both zones on one switch, separated only by VLANs: a breach all the same."""

    def build(net: Net) -> None:
        two_zone_site(net)
        net.port("440103-int-sw", "Vlan20", mode="routed", zone="external")
        net.port("440103-int-sw", "Gi0/10", zone="external")
        net.link(("440103-ext-sw", "Gi0/48"), ("440103-int-sw", "Gi0/10"))

    found = judge(store, build)
    assert [r.subject_key for r in found["NET-ISO-01"]] == ["device:440103-int-sw"]
    zones = {e.interface: e.zone for e in found["NET-ISO-01"][0].evidence if e.interface}
    assert zones == {"Vlan20": "external", "Gi0/10": "external"}


def test_mac_on_access_ports_in_both_zones(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.see("10:00:00:00:00:01", "440103-ext-sw", "Gi0/7", 20)

    found = judge(store, build)
    assert list(found) == ["NET-ISO-04"]  # one PC is one finding, not also a "path"
    (breach,) = found["NET-ISO-04"]
    assert breach.subject_kind == "endpoint" and breach.subject_key == "mac:10:00:00:00:00:01"
    assert breach.device_id is not None
    seen = {(e.device, e.interface, e.zone, e.seen_at) for e in breach.evidence}
    assert seen == {
        ("440103-int-sw", "Gi0/1", "internal", SEEN.isoformat()),
        ("440103-ext-sw", "Gi0/7", "external", SEEN.isoformat()),
    }
    texts = " | ".join(e.description for e in breach.evidence)
    assert "VLAN 10" in texts and "VLAN 20" in texts and EARLIER.isoformat() in texts


def test_mac_sightings_that_are_not_a_dual_homed_host(store: Store) -> None:
    """Catalog NET-ISO-04 exclusions, each seen on an internal and an external port."""

    def build(net: Net) -> None:
        two_zone_site(net)
        net.port("440103-int-core", "Vlan10", mode="routed", mac="00:33:33:00:00:09")
        # An access-mode port facing an LLDP switch neighbour is an uplink, not a desk.
        net.link(("440103-ext-sw", "Gi0/47"), None, remote_chassis_id="00:44:44:00:00:01",
                 remote_system_name="isp-cpe", remote_capabilities=["bridge"])  # fmt: skip
        net.ports[("440103-ext-sw", "Gi0/47")].mode = "access"
        external_port = {
            "10:00:00:00:00:11": ("Gi0/48", "trunk"),  # behind a trunk: learned, not plugged in
            "10:00:00:00:00:12": ("Gi0/47", "access"),  # behind the LLDP uplink
            "00:00:5e:00:01:0a": ("Gi0/5", "access"),  # VRRP
            "00:00:0c:07:ac:01": ("Gi0/5", "access"),  # HSRP
            "01:00:5e:00:00:fb": ("Gi0/5", "access"),  # multicast
            "00:11:11:00:00:01": ("Gi0/5", "access"),  # the internal switch's chassis MAC
            "00:33:33:00:00:09": ("Gi0/5", "access"),  # the internal core's SVI MAC
        }
        for n, (mac, (port, mode)) in enumerate(external_port.items()):
            net.see(mac, "440103-int-sw", f"Gi0/{10 + n}", 10)
            net.see(mac, "440103-ext-sw", port, 20, mode=mode)

    assert "NET-ISO-04" not in judge(store, build)


def test_lldp_host_neighbour_on_the_other_side(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.link(("440103-ext-sw", "Gi0/9"), None, remote_chassis_id="10:00:00:00:00:01",
                 remote_system_name="pc-li", remote_capabilities=["station"])  # fmt: skip

    found = judge(store, build)
    assert list(found) == ["NET-ISO-04"]
    kinds = {(e.kind, e.device, e.zone) for e in found["NET-ISO-04"][0].evidence}
    assert kinds == {("fdb", "440103-int-sw", "internal"), ("lldp", "440103-ext-sw", "external")}


def test_unknown_switch_between_the_zones(store: Store) -> None:
    """An unmanaged switch seen by LLDP from both sides: a path through a node of no zone."""

    def build(net: Net) -> None:
        two_zone_site(net)
        for device, port in (("440103-int-sw", "Gi0/20"), ("440103-ext-sw", "Gi0/21")):
            net.link((device, port), None, remote_chassis_id="00:55:55:00:00:01",
                     remote_system_name="desk-switch", remote_capabilities=["bridge"])  # fmt: skip

    found = judge(store, build)
    assert list(found) == ["NET-ISO-02"]
    (breach,) = found["NET-ISO-02"]
    assert breach.subject_key == "port:440103-int-sw/Gi0/20"
    assert "440103-int-sw → desk-switch → 440103-ext-sw" in breach.message
    assert {(e.device, e.interface) for e in breach.evidence if e.kind == "link"} == {
        ("440103-int-sw", "Gi0/20"),
        ("440103-ext-sw", "Gi0/21"),
    }


def test_internal_device_with_internet_link(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.link(("440103-int-core", "Gi1/0/48"), None, kind=LinkKind.INTERNET,
                 remote_system_name="isp-pe", circuit_id="CT-0001")  # fmt: skip

    found = judge(store, build)
    # A direct Internet circuit is also a physical path out, and reaches no backbone.
    assert sorted(found) == ["NET-ISO-02", "NET-ISO-03", "NET-ISO-06"]
    for rule in ("NET-ISO-03", "NET-ISO-06"):
        (breach,) = found[rule]
        assert breach.subject_key == "port:440103-int-core/Gi1/0/48"
        assert "CT-0001" in breach.message


def test_wan_link_from_internal_to_the_parent_external_zone(store: Store) -> None:
    def build(net: Net) -> None:
        net.site("4401", Level.PREFECTURE)
        for name, zone in (("4401-int-core", "internal"), ("4401-ext-core", "external")):
            net.device(name, "4401", zone, role=DeviceRole.CORE_SWITCH, mlps_level=None)
        net.site("440103", parent="4401")
        for name, zone in (("440103-int-rt", "internal"), ("440103-ext-rt", "external")):
            net.device(name, "440103", zone, role=DeviceRole.ROUTER, mlps_level=None)
        # Correct: external uplink to the parent's external core.
        net.link(("440103-ext-rt", "Gi0/0"), ("4401-ext-core", "Gi1/0/2"), kind=LinkKind.WAN)
        # Wrong: the internal router's uplink lands on the parent's external core.
        net.link(("4401-ext-core", "Gi1/0/3"), ("440103-int-rt", "Gi0/0"), kind=LinkKind.WAN)

    found = judge(store, build)
    (upstream,) = found["NET-ISO-06"]
    assert upstream.subject_key == "port:440103-int-rt/Gi0/0"
    assert "internal zone 'internal' of 440103" in upstream.message
    assert "external zone 'external' of 4401" in upstream.message
    assert {e.device for e in upstream.evidence} == {"440103-int-rt", "4401-ext-core"}
    # The same cable is also a physical path between the networks.
    assert [r.subject_key for r in found["NET-ISO-02"]] == ["port:440103-int-rt/Gi0/0"]
    # The site filter keeps only the county's breaches, the MLPS level is the county default.
    scoped = judge(store, lambda net: None, site_code="440103")
    assert {r.mlps_level for rs in scoped.values() for r in rs} == {2}
    assert judge(store, lambda net: None, site_code="440104") == {}


def test_wireless_access_point_in_internal(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        ap_caps = ["bridge", "wlanAccessPoint"]
        net.link(("440103-int-sw", "Gi0/30"), None, remote_chassis_id="00:66:66:00:00:01",
                 remote_system_name="ap-3f", remote_capabilities=ap_caps)  # fmt: skip
        net.link(("440103-ext-sw", "Gi0/30"), None, remote_chassis_id="00:66:66:00:00:02",
                 remote_system_name="ap-ext", remote_capabilities=["wlanAccessPoint"])  # fmt: skip

    found = judge(store, build)
    assert list(found) == ["NET-ISO-05"]
    assert [r.subject_key for r in found["NET-ISO-05"]] == ["port:440103-int-sw/Gi0/30"]


def test_every_pack_predicate_is_implemented_and_every_predicate_used() -> None:
    """Meta-test: a topology rule in a built-in pack never names a missing predicate."""
    ruleset = load_ruleset(available_packs())
    named = {rule.predicate for rule in topology_rules(ruleset)}
    assert named == set(PREDICATES)
    assert {(r.rule_id, r.predicate) for r in RULES} <= {
        (r.rule_id, r.predicate) for r in topology_rules(ruleset)
    }


def test_zone_boundary_without_a_firewall(store: Store) -> None:
    def build(net: Net) -> None:
        two_zone_site(net)
        net.link(("440103-int-sw", "Gi0/24"), ("440103-ext-sw", "Gi0/23"))
        # The external side's Internet circuit on a firewall is controlled ...
        net.device("440103-fw", "440103", "external", role=DeviceRole.FIREWALL)
        net.link(("440103-fw", "ge0/0/0"), None, kind=LinkKind.INTERNET, remote_system_name="isp")
        # ... the same circuit on the internal core is not, and joins it to the Internet.
        net.link(("440103-int-core", "Gi1/0/48"), None, kind=LinkKind.INTERNET)

    rules = [
        TopologyRule("NET-BND-01", "baseline", "uncontrolled-zone-boundary", Severity.CRITICAL)
    ]
    with store.transaction() as session:
        build(Net(session))
    with store.session() as session:
        boundary = evaluate(session, rules)
        paths = evaluate(session, [r for r in RULES if r.rule_id == "NET-ISO-02"])
    assert sorted(r.subject_key for r in boundary) == [
        "port:440103-int-core/Gi1/0/48",
        "port:440103-int-sw/Gi0/24",
    ]
    assert sorted(r.subject_key for r in paths) == sorted(r.subject_key for r in boundary)
    internet = next(r for r in paths if "int-core" in r.subject_key)
    assert internet.message.endswith("440103-int-core → the Internet")


def test_zone_by_prefix_and_an_undeclared_carrier_uplink(store: Store) -> None:
    """No zone recorded on the interfaces: their addresses and the zones' prefixes decide."""

    def build(net: Net) -> None:
        two_zone_site(net)
        net.zones[("440103", "internal")].prefixes = ["10.0.2.0/24"]
        net.zones[("440103", "external")].prefixes = ["10.64.2.0/24"]
        # The internal core also routes the external users' subnet (NET-ISO-01) ...
        net.port("440103-int-core", "Vlan10", mode="routed").addresses = ["10.0.2.1/25"]
        net.port("440103-int-core", "Vlan20", mode="routed").addresses = ["10.64.2.230/28"]
        # ... and an LLDP-only carrier router hangs off an address in no zone (NET-ISO-03).
        net.link(("440103-int-core", "Gi1/0/5"), None, remote_system_name="isp-cpe-8",
                 remote_capabilities=["router"])  # fmt: skip
        net.ports[("440103-int-core", "Gi1/0/5")].addresses = ["100.64.0.34/30"]

    found = judge(store, build)
    assert [r.subject_key for r in found["NET-ISO-01"]] == ["device:440103-int-core"]
    spans = {(e.interface, e.zone) for e in found["NET-ISO-01"][0].evidence if e.interface}
    assert spans == {("Vlan20", "external")}
    assert [r.subject_key for r in found["NET-ISO-03"]] == ["port:440103-int-core/Gi1/0/5"]
    assert "isp-cpe-8" in found["NET-ISO-03"][0].message
    assert found["NET-ISO-02"][0].message.endswith("440103-int-core → the Internet")
