"""Isolation analysis on a national-scale store (≈1M devices + endpoints), against a baseline.

Generates a store in a temporary SQLite file (bulk inserts with SQLAlchemy Core
executemany): 31 provinces × 10 prefectures × 10 counties, each office with an internal
and an external zone (core + access switches), WAN uplinks to the parent office's core of
the same zone, and ~35 hosts per access switch. Then plants one breach of each kind and
runs, each in a fresh process so peak memory (ru_maxrss) is its own:

* ours: ``IsolationAnalysis`` + every topology predicate (plain-int graph, one
  connected-components pass, grouped SQL for dual-homed MACs);
* baseline: the most direct code — ORM objects for every device, link and endpoint, a
  networkx graph keyed by names with attributes, ``nx.connected_components``, and a
  Python loop grouping every sighting by MAC.

    .venv/bin/python bench/isolation_scale.py [--counties 10] [--hosts 35] [--no-baseline]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import insert

from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.enums import DeviceRole, Level, LinkKind, Severity, ZoneKind
from netcensus.inventory.models import Device, Endpoint, Interface, Link, Site, Zone

SEEN = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
FIRST = SEEN - dt.timedelta(days=30)
ACCESS_PER_ZONE = 4
# The isolation pack's predicates (compliance/rules/isolation.yaml) that a planted breach trips.
RULE_OF = {
    "device-spans-zones": "NET-ISO-01",
    "internal-external-path": "NET-ISO-02",
    "internal-internet-uplink": "NET-ISO-03",
    "dual-homed-endpoint": "NET-ISO-04",
    "wrong-upstream": "NET-ISO-06",
}
EXPECTED = {  # planted breaches: rule -> how many findings
    "NET-ISO-01": 1,
    # the cable, the unknown switch, the wrong-backbone WAN link, the internal Internet circuit
    "NET-ISO-02": 4,
    "NET-ISO-03": 1,  # the Internet circuit on an internal core
    "NET-ISO-04": 1,
    "NET-ISO-06": 2,  # the wrong-backbone WAN link, the internal Internet circuit
}


class Generator:
    """Rows with explicit ids, written in large executemany batches."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.next_id: dict[str, int] = defaultdict(int)

    def add(self, table: str, **row: object) -> int:
        self.next_id[table] += 1
        row.setdefault("id", self.next_id[table])
        self.rows[table].append(row)
        return int(row["id"])  # type: ignore[call-overload]

    def port(self, device: int, name: str, mode: str, zone: int | None = None) -> int:
        return self.add(
            "interfaces", device_id=device, name=name, mode=mode, zone_id=zone,
            addresses=[], vlans=[], last_seen=SEEN,
        )  # fmt: skip

    def link(self, a: int, b: int | None, kind: LinkKind, **remote: object) -> int:
        return self.add(
            "links", a_interface_id=a, b_interface_id=b, kind=kind.value, evidence=["lldp"],
            remote_capabilities=remote.pop("remote_capabilities", []), last_seen=SEEN, **remote,
        )  # fmt: skip


def generate(gen: Generator, counties: int, hosts: int) -> dict[str, object]:
    mac_counter = 0
    planted: dict[str, object] = {}
    # office code -> {zone kind: (zone id, core device id)}
    offices: dict[str, dict[str, tuple[int, int]]] = {}

    def office(code: str, level: Level, parent: str | None) -> None:
        nonlocal mac_counter
        site = gen.add("sites", code=code, name=f"office {code}", level=level.value,
                       parent_code=parent, declared=True, attributes={})  # fmt: skip
        offices[code] = {}
        for kind in (ZoneKind.INTERNAL, ZoneKind.EXTERNAL):
            backbone = "intranet" if kind is ZoneKind.INTERNAL else "extranet"
            zone = gen.add("zones", site_id=site, name=kind.value, kind=kind.value,
                           upstream=f"{backbone}-backbone", prefixes=[])  # fmt: skip
            tag = "int" if kind is ZoneKind.INTERNAL else "ext"
            core = gen.add("devices", name=f"{code}-{tag}-core", site_id=site, zone_id=zone,
                           role=DeviceRole.CORE_SWITCH.value, platform="cisco_ios",
                           status="active", managed=True, snmp_port=161, ssh_port=22,
                           tags=[], attributes={}, stale=False, last_seen=SEEN)  # fmt: skip
            offices[code][kind.value] = (zone, core)
            for n in range(ACCESS_PER_ZONE):
                access = gen.add("devices", name=f"{code}-{tag}-acc{n}", site_id=site,
                                 zone_id=zone, role=DeviceRole.ACCESS_SWITCH.value,
                                 platform="huawei_vrp", status="active", managed=True,
                                 snmp_port=161, ssh_port=22, tags=[], attributes={}, stale=False,
                                 last_seen=SEEN)  # fmt: skip
                up = gen.port(access, "GigabitEthernet0/0/48", "trunk")
                down = gen.port(core, f"GigabitEthernet1/0/{n + 1}", "trunk")
                gen.link(up, down, LinkKind.LAN)
                for h in range(hosts):
                    mac_counter += 1
                    port = gen.port(access, f"GigabitEthernet0/0/{h + 1}", "access")
                    mac = f"10:{mac_counter >> 32 & 255:02x}:{mac_counter >> 24 & 255:02x}:" \
                          f"{mac_counter >> 16 & 255:02x}:{mac_counter >> 8 & 255:02x}:" \
                          f"{mac_counter & 255:02x}"  # fmt: skip
                    gen.add("endpoints", mac=mac, device_id=access, interface_id=port,
                            vlan=10 if kind is ZoneKind.INTERNAL else 20,
                            first_seen=FIRST, last_seen=SEEN)  # fmt: skip
            if parent is not None:
                _, parent_core = offices[parent][kind.value]
                gen.link(gen.port(core, "WAN0", "routed"),
                         gen.port(parent_core, f"WAN-{code}", "routed"), LinkKind.WAN)  # fmt: skip

    for p in range(31):
        province = f"{11 + p:02d}"
        office(province, Level.PROVINCIAL, None)
        for q in range(10):
            prefecture = f"{province}{q + 1:02d}"
            office(prefecture, Level.PREFECTURE, province)
            for c in range(counties):
                office(f"{prefecture}{c + 1:02d}", Level.COUNTY, prefecture)

    def access(code: str, tag: str, n: int = 0) -> int:
        return next(r["id"] for r in gen.rows["devices"] if r["name"] == f"{code}-{tag}-acc{n}")  # type: ignore[return-value]

    # 1. a cable between an internal and an external access switch (NET-ISO-02)
    cable = [gen.port(access("110101", tag), "GigabitEthernet0/0/47", "access")
             for tag in ("int", "ext")]  # fmt: skip
    gen.link(cable[0], cable[1], LinkKind.LAN)
    # 2. a PC on both networks (NET-ISO-04): an internal host's MAC on an external desk port
    inside, outside = access("120201", "int"), access("120201", "ext", 1)
    internal_host = next(r for r in gen.rows["endpoints"] if r["device_id"] == inside)
    gen.add("endpoints", mac=internal_host["mac"], device_id=outside,
            interface_id=gen.port(outside, "GigabitEthernet0/0/46", "access"),
            vlan=20, first_seen=FIRST, last_seen=SEEN)  # fmt: skip
    # 3. an internal core with a port in the external zone (NET-ISO-01)
    _, core = offices["1305"]["internal"]
    gen.port(core, "Vlan20", "routed", zone=offices["1305"]["external"][0])
    # 4. a county's internal router homed on the prefecture's external core (NET-ISO-06, -02)
    _, county_int = offices["140301"]["internal"]
    _, prefecture_ext = offices["1403"]["external"]
    gen.link(gen.port(county_int, "WAN1", "routed"), gen.port(prefecture_ext, "WAN-bad", "routed"),
             LinkKind.WAN)  # fmt: skip
    # 5. an Internet circuit on an internal core (NET-ISO-06 internal-internet-uplink)
    gen.link(gen.port(offices["15"]["internal"][1], "Internet0", "routed"), None,
             LinkKind.INTERNET, remote_system_name="isp-pe", circuit_id="CT-15-0001")  # fmt: skip
    # 6. an unmanaged switch seen by LLDP from both zones (NET-ISO-02 through a node of no zone)
    for tag in ("int", "ext"):
        gen.link(gen.port(access("160401", tag, 2), "GigabitEthernet0/0/45", "access"), None,
                 LinkKind.LAN, remote_chassis_id="00:55:55:00:00:01",
                 remote_system_name="desk-switch", remote_capabilities=["bridge"])  # fmt: skip
    planted["devices"] = len(gen.rows["devices"])
    planted["endpoints"] = len(gen.rows["endpoints"])
    planted["interfaces"] = len(gen.rows["interfaces"])
    planted["links"] = len(gen.rows["links"])
    return planted


def write(url: str, gen: Generator) -> None:
    engine = make_engine(url)
    upgrade(engine)
    tables = {"sites": Site, "zones": Zone, "devices": Device, "interfaces": Interface,
              "links": Link, "endpoints": Endpoint}  # fmt: skip
    with engine.begin() as conn:
        for name, model in tables.items():
            rows = gen.rows[name]
            # executemany takes its columns from the first row: give every row every key.
            keys = {key for row in rows for key in row}
            rows = [{key: row.get(key) for key in keys} for row in rows]
            for start in range(0, len(rows), 50_000):
                conn.execute(insert(model.__table__), rows[start : start + 50_000])  # type: ignore[attr-defined]
    engine.dispose()


# -- the two contenders, each run in its own process ---------------------------------------------


def run_ours(url: str) -> dict[str, object]:
    from netcensus.compliance.isolation import IsolationAnalysis, TopologyRule, evaluate

    store = Store(url)
    started = time.perf_counter()
    with store.session() as session:
        analysis = IsolationAnalysis(session)
        loaded = time.perf_counter()
        nodes, edges = analysis.graph.number_of_nodes(), analysis.graph.number_of_edges()
        built = time.perf_counter()
        rules = [TopologyRule(RULE_OF[p], "isolation", p, Severity.CRITICAL) for p in RULE_OF]
        results = evaluate(session, rules, analysis=analysis)
    finished = time.perf_counter()
    found: dict[str, int] = defaultdict(int)
    for result in results:
        found[result.rule_id] += 1
    return {
        "seconds": round(finished - started, 2),
        "load_s": round(loaded - started, 2),
        "graph_s": round(built - loaded, 2),
        "predicates_s": round(finished - built, 2),
        "nodes": nodes,
        "edges": edges,
        "found": dict(sorted(found.items())),
        "subjects": sorted(r.subject_key for r in results),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def run_baseline(url: str) -> dict[str, object]:
    """The most direct code: ORM objects, name-keyed graph with attributes, Python grouping."""
    import networkx as nx
    from sqlalchemy import select

    store = Store(url)
    started = time.perf_counter()
    graph = nx.Graph()
    with store.session() as session:
        zones = {z.id: z.kind for z in session.scalars(select(Zone))}
        devices = {d.id: d for d in session.scalars(select(Device))}
        ports = {i.id: i for i in session.scalars(select(Interface))}
        for device in devices.values():
            graph.add_node(f"dev:{device.name}", zone=zones.get(device.zone_id))
        for link in session.scalars(select(Link)):
            a = f"dev:{devices[ports[link.a_interface_id].device_id].name}"
            far = ports.get(link.b_interface_id or -1)
            b = f"dev:{devices[far.device_id].name}" if far else f"nbr:{link.remote_chassis_id}"
            graph.add_edge(a, b, kind=link.kind, link=link.id)
        sides: dict[str, set[ZoneKind]] = defaultdict(set)
        for endpoint in session.scalars(select(Endpoint)):
            port = ports.get(endpoint.interface_id or -1)
            if port is not None and port.mode == "trunk":
                continue
            device = devices[endpoint.device_id]
            graph.add_edge(f"mac:{endpoint.mac}", f"dev:{device.name}", vlan=endpoint.vlan)
            kind = zones.get((port.zone_id if port else None) or device.zone_id)
            if kind is not None:
                sides[endpoint.mac].add(kind)
    mixed = 0
    for component in nx.connected_components(graph):
        kinds = {graph.nodes[n].get("zone") for n in component}
        if {ZoneKind.INTERNAL, ZoneKind.EXTERNAL} <= kinds:
            mixed += 1
    dual = sum(1 for s in sides.values() if {ZoneKind.INTERNAL, ZoneKind.EXTERNAL} <= s)
    finished = time.perf_counter()
    return {
        "seconds": round(finished - started, 2),
        "nodes": graph.number_of_nodes(),
        "mixed_components": mixed,
        "dual_homed_macs": dual,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def _ratios(baseline: dict[str, object], ours: dict[str, object]) -> str:
    time_ratio = float(baseline["seconds"]) / max(float(ours["seconds"]), 0.01)  # type: ignore[arg-type]
    memory_ratio = float(baseline["peak_mb"]) / max(float(ours["peak_mb"]), 1.0)  # type: ignore[arg-type]
    return f"time {time_ratio:.1f}x, peak memory {memory_ratio:.1f}x"


def in_child(kind: str, url: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--run", kind, "--url", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=10, help="counties per prefecture")
    parser.add_argument("--hosts", type=int, default=35, help="hosts per access switch")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--results", type=Path, help="append a section to this RESULTS.md")
    parser.add_argument("--run", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_ours(args.url) if args.run == "ours" else run_baseline(args.url)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'national.db'}"
        started = time.perf_counter()
        gen = Generator()
        sizes = generate(gen, args.counties, args.hosts)
        write(url, gen)
        del gen
        generated = round(time.perf_counter() - started, 1)
        print(f"generated {sizes} in {generated} s")
        ours = in_child("ours", url)
        subjects = ours.pop("subjects")
        print(f"ours:     {ours}")
        assert ours["found"] == EXPECTED, f"planted breaches not found as expected: {subjects}"
        baseline = None if args.no_baseline else in_child("baseline", url)
        if baseline:
            print(f"baseline: {baseline}")
            print(f"ratio baseline/ours: {_ratios(baseline, ours)}")
    if args.results:
        now, load = dt.datetime.now(dt.UTC), " ".join(f"{x:.1f}" for x in os.getloadavg())
        section = [
            f"\n## Isolation analysis at national scale — {now:%Y-%m-%d %H:%M} UTC\n\n",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {load}, "
            f"Python {platform.python_version()}, SQLite file.\n",
            f"Store: {sizes['devices']} devices, {sizes['endpoints']} endpoints, "
            f"{sizes['interfaces']} interfaces, {sizes['links']} links "
            f"(generated in {generated} s).\n",
            f"- ours (plain-int graph + one components pass + grouped SQL): {ours['seconds']} s "
            f"(load {ours['load_s']}, graph {ours['graph_s']}, predicates {ours['predicates_s']}), "
            f"peak {ours['peak_mb']} MB, graph {ours['nodes']} nodes / {ours['edges']} edges; "
            f"found {ours['found']} = planted.\n",
        ]
        if baseline:
            section.append(
                f"- baseline (ORM objects, name-keyed attributed graph, Python grouping by MAC): "
                f"{baseline['seconds']} s, peak {baseline['peak_mb']} MB "
                f"({baseline['mixed_components']} mixed component(s): one per merged network, "
                "so it cannot tell several breaches apart).\n"
                f"- ratio baseline/ours: {_ratios(baseline, ours)}. Target: < 60 s, < 4 GB.\n"
            )
        with args.results.open("a", encoding="utf-8") as handle:
            handle.writelines(section)


if __name__ == "__main__":
    main()
