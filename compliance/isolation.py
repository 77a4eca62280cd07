"""Physical isolation of internal and external networks, judged from the store's topology.

The internal network (政务内网) and the external one (政务外网 and the Internet behind it)
must be physically separate (catalog §2). No single device configuration shows a breach:
it shows in the topology — a cable between zones, a device or a PC on both sides, a WAN
circuit to the wrong backbone. This module builds one networkx graph of the physical
network and answers the topology predicates that rule packs name (``kind: topology``).

The graph, built with plain ids so a national store (≈1M devices + endpoints) fits in
memory and time:

* a node per (device, side): ``device_id * 4 + side``. A device normally has one; an
  interface in a zone other than its device's adds a second node on that side, left
  unconnected to the first — that device is the NET-ISO-01 breach and is reported as such.
* a node per endpoint MAC (a negative int) and per unknown LLDP/CDP neighbour.
* an edge per link, and per MAC sighting on an access port (FDB/ARP).

VLANs and VRFs are not modelled at all: they never separate anything physically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import Any

import networkx as nx
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from netcensus.inventory.enums import DeviceRole, DeviceStatus, LinkKind, Verdict, ZoneKind
from netcensus.inventory.models import Device, Endpoint, Interface, Zone

from .results import Evidence, RuleResult
from .topology import (
    EXT,
    INT,
    NEUTRAL,
    SIDE_OF_KIND,
    WIRELESS_IFTYPE,
    Breach,
    LinkRow,
    PortRow,
    Topology,
    TopologyRule,
    host_sighting_filters,
    is_host,
    iso,
    mac_node,
    mac_text,
    node_side,
    side_of,
)

# The far end of every one-sided Internet link: no device has id 0, so node 0 * 4 + EXT is free.
THE_INTERNET = EXT


class IsolationAnalysis(Topology):
    """The store's topology and the predicates that judge it.

    Every predicate returns :class:`Breach` es; :func:`evaluate` turns them into rule results.
    """

    # -- NET-ISO-01 ----------------------------------------------------------------------

    def device_spans_zones(self) -> list[Breach]:
        """A device with interfaces (ports, SVIs, VLANs) on both the internal and external side."""
        breaches = []
        for device_id, ports in self.zoned_ports.items():
            device = self.devices[device_id]
            sides = {self.device_side(device_id)} | {self.port_side(p) for p, _ in ports}
            if not {INT, EXT} <= sides:
                continue
            own = self.zones.get(device.zone_id) if device.zone_id else None
            evidence = [
                Evidence(
                    kind="store",
                    description=f"device declared in zone {own.name} ({own.kind.value})",
                    device=device.name,
                    zone=own.kind.value,
                )
            ] if own else []  # fmt: skip
            for port, seen in sorted(ports, key=lambda p: p[0].name):
                zone = self.zone_of(port)
                evidence.append(
                    Evidence(
                        kind="interface",
                        description=f"interface in zone {zone.name if zone else '?'}",
                        device=device.name,
                        interface=port.name,
                        seen_at=iso(seen),
                        zone=zone.kind.value if zone else None,
                    )
                )
            breaches.append(
                Breach(
                    "device",
                    f"device:{device.name}",
                    f"{device.name} has interfaces in the internal and the external network: "
                    "one device joins both (a VLAN or VRF is not isolation)",
                    device_id,
                    evidence,
                )
            )
        return breaches

    # -- NET-ISO-02: any physical path ------------------------------------------------------

    def _far_node(self, link: LinkRow) -> Any:
        if link.b is not None:
            return self.port_node(link.b)
        if self.leads_outside(link):
            return THE_INTERNET
        node = mac_node(link.remote_chassis_id or "")
        if node is not None:
            return node
        if link.remote_system_name:
            return f"n:{link.remote_system_name}"
        return f"l:{link.id}"  # an anonymous neighbour joins nothing else

    @cached_property
    def link_by_id(self) -> dict[int, LinkRow]:
        return {link.id: link for link in self.links}

    @cached_property
    def forwarding_neighbours(self) -> set[Any]:
        """Unknown neighbours that forward frames (switch, router, AP): not an end host."""
        return {
            self._far_node(link)
            for link in self.links
            if link.b is None and not is_host(link.remote_capabilities)
        }

    def _sighting_edges(self) -> Iterator[tuple[int, int]]:
        """(MAC node, device-side node) for every host sighting; streamed, never all in memory."""
        query = (
            select(Endpoint.mac, Endpoint.device_id, Endpoint.interface_id, Interface.zone_id)
            .outerjoin(Interface, Endpoint.interface_id == Interface.id)
            .where(*host_sighting_filters())
        )
        # Core rows, not ORM rows: a million sightings pass through here.
        result = self.session.connection().execution_options(yield_per=50_000).execute(query)
        rows = (row for chunk in result.partitions() for row in chunk)
        zone_side = {zone_id: side_of(zone.kind) for zone_id, zone in self.zones.items()}
        device_node = {d: d * 4 + self.device_side(d) for d in self.devices}
        uplinks, derived = self.uplink_ports, self.derived_zone
        for mac, device_id, port_id, zone_id in rows:
            if port_id in uplinks or device_id not in device_node:
                continue
            node = mac_node(mac)
            if node is None:
                continue
            zone_id = zone_id or derived.get(port_id)
            if zone_id:
                yield node, device_id * 4 + zone_side[zone_id]
            else:
                yield node, device_node[device_id]

    @cached_property
    def graph(self) -> nx.Graph:
        """The physical graph: device-side nodes, neighbour and MAC nodes; links and sightings."""
        graph = nx.Graph()
        graph.add_nodes_from(d * 4 + self.device_side(d) for d in self.devices)
        for ports in self.zoned_ports.values():
            graph.add_nodes_from(self.port_node(port) for port, _ in ports)
        for link in self.links:
            graph.add_edge(self.port_node(link.a), self._far_node(link), link=link.id)
        graph.add_edges_from(self._sighting_edges())
        return graph

    @cached_property
    def neighbour_names(self) -> dict[Any, str]:
        return {
            self._far_node(link): link.remote_system_name
            for link in self.links
            if link.b is None and link.remote_system_name and not self.leads_outside(link)
        }

    def node_name(self, node: Any) -> str:
        if node == THE_INTERNET:
            return "the Internet"
        if node in self.neighbour_names:
            return self.neighbour_names[node]
        if isinstance(node, str):
            return "unknown neighbour"
        if node < 0:
            return mac_text(node)
        return self.devices[node // 4].name

    def _edge_evidence(self, near: Any, far: Any) -> list[Evidence]:
        """Evidence for one hop, the end at ``near`` first."""
        link_id = self.graph.edges[near, far].get("link")
        if link_id is not None:
            link = self.link_by_id[link_id]
            items = self.link_evidence(link)
            if self.port_node(link.a) != near:
                items.reverse()
            return items
        mac, device_node = (near, far) if isinstance(near, int) and near < 0 else (far, near)
        return self.sightings_of(mac_text(mac), device_node // 4)

    def _path_breach(self, path: list[Any]) -> Breach:
        evidence: list[Evidence] = []
        for near, far in zip(path, path[1:], strict=False):
            evidence.extend(self._edge_evidence(near, far))
        start = evidence[0]
        hops = " → ".join(self.node_name(n) for n in path)
        return Breach(
            "link",
            f"port:{start.device}/{start.interface or '?'}",
            f"physical path from the internal network to the external network: {hops}",
            path[0] // 4,
            evidence,
        )

    def internal_external_paths(self) -> list[Breach]:
        """Every place where the internal side touches the external side physically.

        One connected-components pass finds the components holding both sides; within
        those, a breach is a link straight from an internal to an external node, or a
        cluster of zone-less nodes (unknown switch, management box) touching both sides,
        shown by one shortest path. A cluster of end hosts only is a dual-homed host,
        left to NET-ISO-04 so one PC is not reported twice.
        """
        graph = self.graph
        breaches: dict[str, Breach] = {}
        for component in nx.connected_components(graph):
            sides = {node_side(n) for n in component}
            if not {INT, EXT} <= sides:
                continue
            inside = sorted((n for n in component if node_side(n) == INT), key=self.node_name)
            for node in inside:
                for neighbour in sorted(graph[node], key=str):
                    if node_side(neighbour) == EXT:
                        breach = self._path_breach([node, neighbour])
                        breaches.setdefault(breach.subject_key, breach)
            # A zone-less cluster that touches both sides touches the internal one: grow
            # clusters only from the internal nodes' neighbours, each node once.
            visited: set[Any] = set()
            for node in inside:
                for seed in graph[node]:
                    if node_side(seed) == NEUTRAL and seed not in visited:
                        breach = self._cluster_breach(self._neutral_cluster(seed, visited))
                        if breach is not None:
                            breaches.setdefault(breach.subject_key, breach)
        return list(breaches.values())

    def _neutral_cluster(self, seed: Any, visited: set[Any]) -> set[Any]:
        """The zone-less nodes connected to ``seed`` through zone-less nodes only."""
        cluster, frontier = {seed}, [seed]
        visited.add(seed)
        while frontier:
            for neighbour in self.graph[frontier.pop()]:
                if node_side(neighbour) == NEUTRAL and neighbour not in visited:
                    visited.add(neighbour)
                    cluster.add(neighbour)
                    frontier.append(neighbour)
        return cluster

    def _cluster_breach(self, cluster: set[Any]) -> Breach | None:
        graph = self.graph
        touching = {m for n in cluster for m in graph[n] if node_side(m) != NEUTRAL}
        inside = sorted((m for m in touching if node_side(m) == INT), key=self.node_name)
        outside = {m for m in touching if node_side(m) == EXT}
        if not inside or not outside:
            return None
        forwards = self.forwarding_neighbours
        if not any(isinstance(n, str) or n >= 0 or n in forwards for n in cluster):
            return None
        start = inside[0]
        paths = nx.single_source_shortest_path(graph.subgraph(cluster | {start} | outside), start)
        target = min(outside, key=lambda m: (len(paths.get(m, ())) or 1 << 30, self.node_name(m)))
        return self._path_breach(paths[target])

    # -- NET-ISO-04 ----------------------------------------------------------------------

    def dual_homed_endpoints(self) -> list[Breach]:
        """The same host MAC seen on an access port (or as a host LLDP neighbour) on both sides.

        A grouped query finds the candidates (GROUP BY mac HAVING two sides), so the work
        in Python is proportional to the breaches, not to the million MACs.
        """
        interface_zone, device_zone = aliased(Zone), aliased(Zone)
        kind = func.coalesce(interface_zone.kind, device_zone.kind)
        side = case(
            (kind == ZoneKind.INTERNAL.value, INT),
            (kind.in_([ZoneKind.EXTERNAL.value, ZoneKind.INTERNET.value]), EXT),
            else_=NEUTRAL,
        )
        candidates = set(
            self.session.scalars(
                select(Endpoint.mac)
                .join(Device, Endpoint.device_id == Device.id)
                .outerjoin(Interface, Endpoint.interface_id == Interface.id)
                .outerjoin(interface_zone, Interface.zone_id == interface_zone.id)
                .outerjoin(device_zone, Device.zone_id == device_zone.id)
                .where(*host_sighting_filters(), side != NEUTRAL)
                .where(Device.status != DeviceStatus.DECOMMISSIONED)
                .group_by(Endpoint.mac)
                .having(func.count(distinct(side)) > 1)
            )
        )
        host_neighbours: dict[str, list[LinkRow]] = defaultdict(list)
        for link in self.links:
            node = mac_node(link.remote_chassis_id or "")
            if link.b is None and node is not None and is_host(link.remote_capabilities):
                host_neighbours[mac_text(node)].append(link)
        breaches = []
        for mac in sorted(candidates | set(host_neighbours)):
            evidence = self.sightings_of(mac)
            for link in host_neighbours.get(mac, []):
                zone = self.zone_of(link.a)
                evidence.append(
                    Evidence(
                        kind="lldp",
                        description=(
                            f"host {link.remote_system_name or mac} is an LLDP/CDP neighbour on "
                            f"port {link.a.name} in zone {zone.name if zone else '?'}"
                        ),
                        device=self.devices[link.a.device_id].name,
                        interface=link.a.name,
                        mac=mac,
                        seen_at=iso(link.last_seen),
                        zone=zone.kind.value if zone else None,
                    )
                )
            sides = {SIDE_OF_KIND.get(ZoneKind(e.zone), NEUTRAL) for e in evidence if e.zone}
            if not {INT, EXT} <= sides:
                continue
            evidence.sort(key=lambda e: (e.zone != ZoneKind.INTERNAL.value, e.device or ""))
            inside = next(e for e in evidence if e.zone == ZoneKind.INTERNAL.value)
            breaches.append(
                Breach(
                    "endpoint",
                    f"mac:{mac}",
                    f"host {mac} is plugged into both the internal and the external network "
                    f"(一机两用): learned on {sum(e.interface is not None for e in evidence)} "
                    f"access port(s), {sum(e.interface is None for e in evidence)} ARP entries",
                    self._device_id(inside.device),
                    evidence,
                )
            )
        return breaches

    def _device_id(self, name: str | None) -> int | None:
        return next((d for d, dev in self.devices.items() if dev.name == name), None)

    # -- Internet uplink, upstream, wireless ---------------------------------------------------

    def internal_internet_uplinks(self) -> list[Breach]:
        """An Internet link, or an uplink to an undeclared outside router, on an internal port."""
        breaches = []
        for link in self.links:
            if not self.leads_outside(link):
                continue
            for port in (link.a, link.b):
                if port is None or self.port_side(port) != INT:
                    continue
                device = self.devices[port.device_id].name
                what = (
                    "an Internet link"
                    if link.kind == LinkKind.INTERNET
                    else f"an uplink to the undeclared router {link.remote_system_name or '?'} "
                    "from an address in no declared zone"
                )
                breaches.append(
                    Breach(
                        "link",
                        f"port:{device}/{port.name}",
                        f"internal-network device {device} has {what} on {port.name}"
                        f"{f' (circuit {link.circuit_id})' if link.circuit_id else ''}",
                        port.device_id,
                        self.link_evidence(link),
                    )
                )
        return breaches

    def wrong_upstreams(self) -> list[Breach]:
        """A WAN link from a site's zone to another site's zone of a different kind."""
        breaches = []
        for link in self.links:
            if link.kind != LinkKind.WAN or link.b is None:
                continue
            zone_a, zone_b = self.zone_of(link.a), self.zone_of(link.b)
            if zone_a is None or zone_b is None or zone_a.site_id == zone_b.site_id:
                continue
            if zone_a.kind == zone_b.kind:
                continue
            site_a, site_b = self.sites.get(zone_a.site_id), self.sites.get(zone_b.site_id)
            # The child is the side whose parent is the other site (else the deeper code).
            a_is_child = (site_a and site_b and site_a[1] == site_b[0]) or (
                not (site_a and site_b and site_b[1] == site_a[0])
                and len(site_a[0] if site_a else "") >= len(site_b[0] if site_b else "")
            )
            child, parent = (link.a, link.b) if a_is_child else (link.b, link.a)
            child_zone, parent_zone = (zone_a, zone_b) if a_is_child else (zone_b, zone_a)
            device = self.devices[child.device_id].name
            expected = child_zone.upstream or f"{child_zone.kind.value} backbone"
            breaches.append(
                Breach(
                    "link",
                    f"port:{device}/{child.name}",
                    f"the {child_zone.kind.value} zone {child_zone.name!r} of "
                    f"{self.site_code(child.device_id)} goes upstream to the "
                    f"{parent_zone.kind.value} zone {parent_zone.name!r} of "
                    f"{self.site_code(parent.device_id)}; it may only reach {expected}",
                    child.device_id,
                    self.link_evidence(link),
                    zone_kind=child_zone.kind.value,
                )
            )
        # An ISP circuit straight into the internal network goes to no backbone at all.
        return breaches + self.internal_internet_uplinks()

    @cached_property
    def links_of(self) -> dict[int, list[LinkRow]]:
        by_device: dict[int, list[LinkRow]] = defaultdict(list)
        for link in self.links:
            for port in (link.a, link.b):
                if port is not None:
                    by_device[port.device_id].append(link)
        return by_device

    def reach(self, device_id: int) -> dict[int, list[Evidence]]:
        """The sides a device touches, by its own zone, its ports' zones and its links' far ends."""
        sides: dict[int, list[Evidence]] = defaultdict(list)
        device = self.devices[device_id]
        zone = self.zones.get(device.zone_id or 0)
        if zone is not None:
            sides[side_of(zone.kind)].append(
                Evidence(kind="store", description=f"device in zone {zone.name}",
                         device=device.name, zone=zone.kind.value)
            )  # fmt: skip
        for port, seen in self.zoned_ports.get(device_id, []):
            port_zone = self.zone_of(port)
            name = port_zone.name if port_zone else "?"
            sides[self.port_side(port)].append(
                Evidence(kind="interface", description=f"interface in zone {name}",
                         device=device.name, interface=port.name, seen_at=iso(seen),
                         zone=port_zone.kind.value if port_zone else None)
            )  # fmt: skip
        for link in self.links_of.get(device_id, []):
            far = link.b if link.a.device_id == device_id else link.a
            if far is not None:
                sides[self.port_side(far)] += self.link_evidence(link)
            elif self.leads_outside(link):
                sides[EXT] += self.link_evidence(link)
        return sides

    def unapproved_cross_zone_devices(self) -> list[Breach]:
        """A firewall or GAP joining the internal network to another zone (catalog NET-ISO-07).

        Only a secrecy-approved one-way import may cross into the internal network; the
        approval register is not in the store, so a GAP is "not evaluable", a firewall fails.
        """
        breaches = []
        for device_id, device in self.devices.items():
            if device.role not in {DeviceRole.FIREWALL, DeviceRole.GAP}:
                continue
            sides = self.reach(device_id)
            if not (sides.get(INT) and sides.get(EXT)):
                continue
            gap = device.role == DeviceRole.GAP
            breaches.append(
                Breach(
                    "device", f"device:{device.name}",
                    f"{device.role.value} {device.name} joins the internal and the external network"
                    + ("; needs Data: the approval register (only a secrecy-approved one-way "
                       "import into the internal network is allowed)" if gap else ""),
                    device_id, sides[INT] + sides[EXT],
                    verdict=Verdict.NOT_EVALUABLE if gap else Verdict.FAIL,
                )
            )  # fmt: skip
        return breaches

    def shared_services_across_zones(self) -> list[Breach]:
        """A server, or a device of no internal/external zone, attached to both (NET-ISO-08)."""
        breaches = []
        shared_roles = {r for r in DeviceRole if not r.is_network_device}
        for device_id, device in self.devices.items():
            if device.role in {DeviceRole.FIREWALL, DeviceRole.GAP}:
                continue  # NET-ISO-07 judges those
            if device.role not in shared_roles and self.device_side(device_id) != NEUTRAL:
                continue
            sides = self.reach(device_id)
            if not (sides.get(INT) and sides.get(EXT)):
                continue
            breaches.append(
                Breach(
                    "device", f"device:{device.name}",
                    f"{device.role.value} {device.name} serves both the internal and the "
                    "external network: a shared box bridges the zones",
                    device_id, sides[INT] + sides[EXT],
                )
            )  # fmt: skip
        return breaches

    def wireless_in_internal(self) -> list[Breach]:
        """A wireless AP or controller in the internal network, or a radio interface there."""
        breaches: dict[str, Breach] = {}
        for device_id, device in self.devices.items():
            wireless = {DeviceRole.WIRELESS_AP, DeviceRole.WIRELESS_CONTROLLER}
            if device.role in wireless and self.device_side(device_id) == INT:
                breaches[f"device:{device.name}"] = Breach(
                    "device",
                    f"device:{device.name}",
                    f"{device.role.value} {device.name} is in the internal network",
                    device_id,
                    [Evidence(kind="store", description=f"role {device.role.value}",
                              device=device.name, zone=ZoneKind.INTERNAL.value)],
                )  # fmt: skip
        for link in self.links:
            far_role = self.devices[link.b.device_id].role if link.b else None
            caps = {str(c).lower() for c in link.remote_capabilities}
            is_ap = (
                "wlanaccesspoint" in caps
                or "AIR-" in (link.remote_platform or "").upper()
                or far_role in {DeviceRole.WIRELESS_AP, DeviceRole.WIRELESS_CONTROLLER}
            )
            if is_ap and self.port_side(link.a) == INT and link.b is None:
                device = self.devices[link.a.device_id].name
                key = f"port:{device}/{link.a.name}"
                breaches.setdefault(
                    key,
                    Breach(
                        "link", key,
                        f"a wireless access point is plugged into {device} {link.a.name} "
                        "in the internal network",
                        link.a.device_id, self.link_evidence(link),
                    ),
                )  # fmt: skip
        radios = self.session.execute(
            select(
                Interface.device_id, Interface.name, Interface.zone_id, Interface.last_seen
            ).where(Interface.if_type == WIRELESS_IFTYPE)
        )
        for device_id, name, zone_id, seen in radios:
            if device_id not in self.devices:
                continue
            if self.port_side(PortRow(0, device_id, name, zone_id, None)) != INT:
                continue
            device = self.devices[device_id].name
            key = f"port:{device}/{name}"
            breaches.setdefault(
                key,
                Breach(
                    "device", key, f"{device} has a wireless radio interface {name} "
                    "in the internal network", device_id,
                    [Evidence(kind="interface", description="ifType ieee80211 (71)",
                              device=device, interface=name, seen_at=iso(seen),
                              zone=ZoneKind.INTERNAL.value)],
                ),
            )  # fmt: skip
        return list(breaches.values())

    def uncontrolled_zone_boundaries(self) -> list[Breach]:
        """A link between zones of different kinds, or to the Internet, on no firewall or GAP."""
        controlled = {DeviceRole.FIREWALL, DeviceRole.GAP}
        breaches: dict[str, Breach] = {}
        for link in self.links:
            ends = [port for port in (link.a, link.b) if port is not None]
            if any(self.devices[port.device_id].role in controlled for port in ends):
                continue
            zones = [self.zone_of(port) for port in ends]
            if link.b is None:
                crossing = self.leads_outside(link) and (
                    zones[0] is None or zones[0].kind != ZoneKind.INTERNET
                )
            else:
                crossing = None not in zones and zones[0].kind != zones[1].kind  # type: ignore[union-attr]
            if not crossing:
                continue
            # File it under the internal end when there is one: that is where it hurts.
            near = next((p for p in ends if self.port_side(p) == INT), link.a)
            far_port = next((p for p in ends if p is not near), None)
            far = (
                "the Internet"
                if far_port is None
                else f"{self.devices[far_port.device_id].name} {far_port.name}"
            )
            zone = self.zone_of(near)
            device = self.devices[near.device_id].name
            key = f"port:{device}/{near.name}"
            breaches.setdefault(
                key,
                Breach(
                    "link", key,
                    f"{link.kind.value} link {device} {near.name} ↔ {far} crosses a zone "
                    "boundary without a firewall or GAP at either end",
                    near.device_id, self.link_evidence(link),
                    zone_kind=zone.kind.value if zone else ZoneKind.INTERNAL.value,
                ),
            )  # fmt: skip
        return list(breaches.values())

    def important_zones_exposed(self) -> list[Breach]:
        """A management-zone port linked into another zone with no firewall or GAP (ARCH-02)."""
        return [
            breach
            for breach in self.uncontrolled_zone_boundaries()
            if any(e.zone == ZoneKind.MANAGEMENT.value for e in breach.evidence)
        ]

    def single_uplinks(self) -> list[Breach]:
        """Core, distribution and WAN routers with fewer than two upstream devices (ARCH-04).

        Upstream: a core's routers, a distribution switch's cores, a router's peers at the
        parent office over WAN links. A router of an office with no parent has no upstream to
        count; firewalls' Internet circuits are the ISP's and not judged here.
        """
        rank = {DeviceRole.DISTRIBUTION_SWITCH: 1, DeviceRole.CORE_SWITCH: 2, DeviceRole.ROUTER: 3}
        breaches = []
        for device_id, device in self.devices.items():
            if device.role not in rank:
                continue
            upstream: dict[int, list[Evidence]] = {}
            for link in self.links_of.get(device_id, []):
                far = link.b if link.a.device_id == device_id else link.a
                if far is None or far.device_id == device_id:
                    continue
                peer = self.devices[far.device_id]
                if device.role == DeviceRole.ROUTER:
                    up = link.kind == LinkKind.WAN and peer.site_id != device.site_id
                else:
                    up = rank.get(peer.role, 0) > rank[device.role]
                if up:
                    upstream.setdefault(far.device_id, []).extend(self.link_evidence(link))
            if device.role == DeviceRole.ROUTER and not upstream:
                site = self.sites.get(device.site_id or 0)
                if site is None or site[1] is None or not self._has_wan(device_id):
                    continue  # the top office, or a router that is not a WAN router
            if len(upstream) >= 2:
                continue
            breaches.append(
                Breach(
                    "device", f"device:{device.name}",
                    f"{device.role.value} {device.name} has {len(upstream)} upstream device(s); "
                    "needs uplinks to at least 2",
                    device_id, [e for found in upstream.values() for e in found],
                    zone_kind=self.zones[device.zone_id].kind.value
                    if device.zone_id in self.zones else ZoneKind.INTERNAL.value,
                )
            )  # fmt: skip
        return breaches

    def _has_wan(self, device_id: int) -> bool:
        return any(link.kind == LinkKind.WAN for link in self.links_of.get(device_id, []))


PREDICATES: dict[str, Callable[[IsolationAnalysis], list[Breach]]] = {
    "device-spans-zones": IsolationAnalysis.device_spans_zones,
    "internal-external-path": IsolationAnalysis.internal_external_paths,
    "dual-homed-endpoint": IsolationAnalysis.dual_homed_endpoints,
    "internal-internet-uplink": IsolationAnalysis.internal_internet_uplinks,
    "wrong-upstream": IsolationAnalysis.wrong_upstreams,
    "wireless-in-internal": IsolationAnalysis.wireless_in_internal,
    "uncontrolled-zone-boundary": IsolationAnalysis.uncontrolled_zone_boundaries,
    "unapproved-cross-zone-device": IsolationAnalysis.unapproved_cross_zone_devices,
    "shared-service-across-zones": IsolationAnalysis.shared_services_across_zones,
    "important-zone-exposed": IsolationAnalysis.important_zones_exposed,
    "single-uplink": IsolationAnalysis.single_uplinks,
}


def evaluate(
    session: Session,
    rules: Iterable[TopologyRule],
    *,
    site_code: str | None = None,
    analysis: IsolationAnalysis | None = None,
) -> list[RuleResult]:
    """Judge topology rules over the whole store; report breaches of sites under ``site_code``.

    The graph always covers the whole store: a path out of a site can run through others.
    """
    rules = list(rules)
    unknown = sorted({r.predicate for r in rules} - set(PREDICATES))
    if unknown:
        raise ValueError(f"unknown topology predicate(s) {unknown}; known: {sorted(PREDICATES)}")
    if not rules:
        return []
    analysis = analysis or IsolationAnalysis(session)
    cache: dict[str, list[Breach]] = {}
    results = []
    for rule in rules:
        if rule.predicate not in cache:
            cache[rule.predicate] = PREDICATES[rule.predicate](analysis)
        for breach in cache[rule.predicate]:
            code = analysis.site_code(breach.device_id)
            if site_code and not (code and code.startswith(site_code)):
                continue
            level = analysis.mlps_level(breach.device_id)
            if rule.min_level is not None and level is not None and level < rule.min_level:
                continue  # catalog G4: a rule above the device's level does not apply
            device = analysis.devices.get(breach.device_id or -1)
            results.append(
                RuleResult(
                    rule_id=rule.rule_id,
                    pack=rule.pack,
                    verdict=breach.verdict,
                    severity=rule.severity,
                    message=breach.message,
                    subject_kind=breach.subject_kind,
                    subject_key=breach.subject_key,
                    device_id=breach.device_id,
                    site_id=device.site_id if device else None,
                    zone_kind=breach.zone_kind,
                    mlps_level=level,
                    evidence=breach.evidence,
                )
            )
    return results
