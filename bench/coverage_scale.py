"""Coverage roll-up and drill-down at national scale, against a per-site Python baseline.

Generates the store of ``bench/national_store.py`` (bulk Core inserts): every province,
prefecture and county of ``shared/data/divisions/china_counties.json`` plus 14 generated
townships per county (≈ 45k declared offices), ≈ 200k devices (switches, routers with
Internet circuits, satellite stations, video terminals; most seen by a recent scan, some
stale, some never) and ≈ 100k declarations (website, hotline, unified software, OA, staff,
some LAN declarations that conflict with scans). Then, on each backend:

* ours: ``coverage_rows`` for every target (the roll-up ``netcensus coverage --json``
  prints, missing-site lists included) and one drill-down (one target under one
  prefecture, by child division);
* baseline: the direct way — ORM objects for every site, device, link and declaration,
  and a Python loop over the sites of every target. Its figures must equal ours (a
  cross-check of the SQL at scale), and its time is the ratio's denominator.

    .venv/bin/python bench/coverage_scale.py [--backend sqlite|postgresql|both]
        [--townships 14] [--no-baseline] [--analyze]

Goals (issue 14): roll-up ≤ 2 s, drill-down ≤ 200 ms, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from national_store import NOW, analyze, backend_store, generate, load_national_targets
from sqlalchemy import select

from netcensus.compliance.coverage import FRESH_DAYS, coverage_rows
from netcensus.compliance.targets import load_definitions
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, LinkKind
from netcensus.inventory.models import Declaration, Device, Interface, Link, Site

SWITCHES = {DeviceRole.CORE_SWITCH, DeviceRole.ACCESS_SWITCH}
ROLE_OF = {
    "satellite": DeviceRole.SATELLITE_STATION,
    "video-conference": DeviceRole.VIDEO_CONFERENCE,
}


# --- baseline: ORM objects and a loop per site ----------------------------------------------


def baseline(store: Store) -> dict[tuple[str, str], tuple[int, int, int]]:
    """Figures per (target, level) the direct way: every row as an ORM object, one Python
    pass per target over its sites."""
    cutoff = NOW - dt.timedelta(days=FRESH_DAYS)
    with store.session() as s:
        targets = load_definitions(s)
        sites = s.scalars(select(Site).where(Site.declared.is_(True))).all()
        by_site: dict[int, list[Device]] = defaultdict(list)
        for d in s.scalars(select(Device)).all():
            by_site[d.site_id].append(d)  # type: ignore[index]
        internet: dict[int, list[Link]] = defaultdict(list)
        device_of = {i.id: i.device for i in s.scalars(select(Interface)).all()}
        for link in s.scalars(select(Link)).all():
            if link.kind is LinkKind.INTERNET:
                internet[device_of[link.a_interface_id].site_id].append(link)  # type: ignore[index]
        latest: dict[tuple[int, str], Declaration] = {}
        for d in s.scalars(
            select(Declaration).order_by(Declaration.declared_at, Declaration.id)
        ).all():
            latest[(d.site_id, d.capability)] = d

    def verdict(site: Site, capability: str, minimum: float | None) -> tuple[bool, bool]:
        def enough(amount: float | None) -> bool:
            return minimum is None or (amount is not None and amount >= minimum)

        declared = latest.get((site.id, capability))
        declared_ok = bool(declared and declared.holds and enough(declared.amount))
        fresh = [d for d in by_site[site.id] if d.last_seen and d.last_seen >= cutoff]
        never = [d for d in by_site[site.id] if d.last_seen is None and d.managed]
        if capability == "internet":
            links = internet[site.id]
            observed = any(
                lk.last_seen and lk.last_seen >= cutoff and enough(lk.bandwidth) for lk in links
            )
            inventory = any(lk.last_seen is None and enough(lk.bandwidth) for lk in links)
        elif capability in ("lan", "satellite", "video-conference"):
            roles = SWITCHES if capability == "lan" else {ROLE_OF[capability]}
            observed = any(d.role in roles for d in fresh) and enough(None)
            inventory = any(d.role in roles for d in never) and enough(None)
        else:
            return declared_ok, False
        declared_ok = declared_ok if declared is not None else inventory
        covered = observed or (not fresh and declared_ok)
        return covered, bool(fresh) and not observed and declared_ok

    figures = {}
    for target in targets:
        for level in target.levels:
            in_scope = covered = conflicts = 0
            for site in sites:
                if site.level is not level:
                    continue
                in_scope += 1
                results = [verdict(site, r.capability, r.min) for r in target.requirements]
                covered += all(c for c, _ in results)
                conflicts += any(c for _, c in results)
            figures[(target.key, level.value)] = (in_scope, covered, conflicts)
    return figures


# --- running -------------------------------------------------------------------------------


def best_of(runs: int, action: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def run(backend: str, townships: int, with_baseline: bool, analyzed: bool) -> dict[str, Any]:
    with backend_store(backend) as store:
        start = time.perf_counter()
        counts = generate(store, townships)
        if analyzed:
            analyze(store)
        generated = time.perf_counter() - start
        load_national_targets(store)
        with store.session() as s:
            rollup_s, result = best_of(3, lambda: coverage_rows(s, as_of=NOW))
            counts_only_s, _ = best_of(3, lambda: coverage_rows(s, as_of=NOW, with_missing=False))
            drill_s, drill = best_of(
                5,
                lambda: coverage_rows(
                    s, target="five-ones-2015", under="4401", by_child=True, as_of=NOW
                ),
            )
            site_s, _ = best_of(
                5, lambda: coverage_rows(s, target="internet-2015", under="440103001", as_of=NOW)
            )
        ours = {(r.target, r.level): (r.in_scope, r.covered, r.conflicts) for r in result.rows}
        out: dict[str, Any] = {
            "backend": backend,
            "counts": counts,
            "generate_s": round(generated, 1),
            "rollup_s": round(rollup_s, 3),
            "rollup_counts_only_s": round(counts_only_s, 3),
            "drilldown_s": round(drill_s, 3),
            "drilldown_rows": len(drill.rows),
            "one_site_s": round(site_s, 3),
            "rows": len(result.rows),
            "missing_listed": sum(len(r.missing) for r in result.rows),
        }
        if with_baseline:
            baseline_s, theirs = best_of(1, lambda: baseline(store))
            if theirs != ours:
                diff = {k: (ours.get(k), theirs.get(k)) for k in theirs if ours.get(k) != theirs[k]}
                raise SystemExit(f"{backend}: coverage disagrees with the baseline: {diff}")
            out["baseline_s"] = round(baseline_s, 2)
            out["ratio"] = round(baseline_s / rollup_s, 1)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--townships", type=int, default=14)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--analyze", action="store_true",
                        help="ANALYZE the store after loading it.")  # fmt: skip
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for backend in backends:
        result = run(backend, args.townships, not args.no_baseline, args.analyze)
        print(json.dumps(result, ensure_ascii=False))
        ok = result["rollup_s"] <= 2 and result["drilldown_s"] <= 0.2
        ratio = (
            f", {result['ratio']}x faster than the per-site baseline" if "ratio" in result else ""
        )
        print(
            f"{backend}: roll-up {result['rollup_s']} s (goal 2 s), drill-down "
            f"{result['drilldown_s'] * 1000:.0f} ms (goal 200 ms){ratio}: "
            f"{'within goals' if ok else 'OVER GOAL'}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
