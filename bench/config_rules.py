"""Config rules at scale: 10,000 device configs × every built-in pack, against a baseline.

Configs are the real ones in shared/data/configs (Cisco IOS, Huawei VRP, H3C Comware) used
as templates, varied per device: a new hostname, 8–48 extra access ports, and random
deviations (Telnet, default SNMP community, no exec-timeout, no NTP, a second log host).

* ours: the packs loaded once per worker (``load_ruleset``), ``check_device_config`` per
  device, the devices split over one worker process per core;
* baseline: ``check_config`` per file in one process, the most direct call a script would
  make — it resolves the packs again for every file (their validated YAML is cached by
  path and mtime), measured on a sample and scaled up.

The run prints the wall time, the wall and CPU time per device, and the ratio of the
scaled baseline to ours.

    .venv/bin/python bench/config_rules.py [--devices 10000] [--workers 2] [--results FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import random
import resource
import time
from collections import Counter
from pathlib import Path

from netcensus.compliance.configcheck import check_config, check_device_config
from netcensus.compliance.packs import available_packs, load_ruleset

CONFIGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "configs"
PLATFORM_DIRS = {"cisco_ios": "cisco_ios", "huawei_vrp": "huawei_vrp", "hp_comware": "h3c_comware"}
BASELINE_SAMPLE = 100


def _ios(rng: random.Random, base: str, n: int) -> str:
    text = base.replace("hostname ", f"hostname gen-{n}-", 1)
    ports = "".join(
        f"interface GigabitEthernet2/0/{p}\n switchport mode access\n switchport access vlan "
        f"{rng.choice((10, 20))}\n spanning-tree portfast\n!\n"
        for p in range(1, rng.randint(8, 48))
    )
    extra = []
    if rng.random() < 0.2:
        extra.append("line vty 0 4\n transport input telnet ssh\n!")
    if rng.random() < 0.2:
        extra.append("snmp-server community public RO")
    if rng.random() < 0.2:
        extra.append("line con 0\n exec-timeout 0 0\n!")
    if rng.random() < 0.5:
        extra.append("ntp server 10.44.0.1\nntp server 10.44.0.2")
    if rng.random() < 0.3:
        extra.append("logging host 10.44.0.10\nlogging host 10.44.0.11")
    return (
        text.rstrip().removesuffix("end").rstrip() + "\n!\n" + ports + "\n".join(extra) + "\nend\n"
    )


def _hash_style(rng: random.Random, base: str, n: int, comware: bool) -> str:
    lead = " " if comware else ""
    text = base.replace("sysname ", f"sysname gen-{n}-", 1)
    ports = "".join(
        f"#\ninterface GigabitEthernet1/0/{p}\n port link-type access\n port "
        f"{'access vlan' if comware else 'default vlan'} {rng.choice((10, 20))}\n"
        for p in range(1, rng.randint(8, 48))
    )
    extra = []
    if rng.random() < 0.2:
        extra.append(f"{lead}telnet server enable")
    if rng.random() < 0.2:
        extra.append(f"{lead}snmp-agent community read public")
    if rng.random() < 0.5:
        extra.append(f"{lead}ntp-service unicast-server 10.44.0.1")
    if rng.random() < 0.3:
        extra.append(f"{lead}info-center loghost 10.44.0.10")
    body = text.rstrip().removesuffix("return").rstrip()
    return body + "\n" + ports + "#\n" + "\n".join(extra) + "\n#\nreturn\n"


def generate(count: int, seed: int = 7) -> list[tuple[str, str, int]]:
    """(platform, config text, MLPS level) for ``count`` devices, platforms mixed evenly."""
    rng = random.Random(seed)
    templates = {
        key: [p.read_text(encoding="utf-8", errors="replace")
              for p in sorted((CONFIGS / folder).glob("*.cfg"))]
        for key, folder in PLATFORM_DIRS.items()
    }  # fmt: skip
    configs = []
    for n in range(count):
        key = list(PLATFORM_DIRS)[n % 3]
        base = rng.choice(templates[key])
        if key == "cisco_ios":
            text = _ios(rng, base, n)
        else:
            text = _hash_style(rng, base, n, comware=key == "hp_comware")
        configs.append((key, text, rng.choice((2, 3))))
    return configs


_CONFIGS: list[tuple[str, str, int]] = []  # set before the workers fork: they inherit it


def _check_share(share: tuple[int, int]) -> tuple[Counter[str], float, int]:
    """Worker: load the packs once, check every ``step``-th device from ``first``."""
    first, step = share
    cpu = time.process_time()
    ruleset = load_ruleset(available_packs())
    verdicts: Counter[str] = Counter()
    for key, text, level in _CONFIGS[first::step]:
        for result in check_device_config(text, key, ruleset, level=level):
            verdicts[result.verdict.value] += 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return verdicts, time.process_time() - cpu, peak_mb


def run_ours(configs: list[tuple[str, str, int]], workers: int) -> dict[str, object]:
    # Fork after setting the list: the workers read the configs from the memory they share
    # with this process instead of receiving 70 MB of pickled text.
    _CONFIGS[:] = configs
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_check_share, [(first, workers) for first in range(workers)])
    seconds = time.perf_counter() - started
    verdicts: Counter[str] = Counter()
    for counted, _, _ in parts:
        verdicts.update(counted)
    cpu = sum(spent for _, spent, _ in parts)
    return {
        "seconds": round(seconds, 2),
        "ms_per_device": round(seconds / len(configs) * 1000, 2),
        "cpu_ms_per_device": round(cpu / len(configs) * 1000, 2),
        "verdicts": dict(verdicts),
        "peak_mb_per_worker": max(peak for _, _, peak in parts),
    }


def run_baseline(configs: list[tuple[str, str, int]]) -> dict[str, object]:
    sample = configs[:BASELINE_SAMPLE]
    started = time.perf_counter()
    for key, text, level in sample:
        check_config(text, key, level=level, packs=available_packs())
    seconds = time.perf_counter() - started
    return {
        "sample": len(sample),
        "sample_seconds": round(seconds, 2),
        "scaled_seconds": round(seconds * len(configs) / len(sample), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--results", type=Path, help="append a section to this RESULTS.md")
    args = parser.parse_args()
    configs = generate(args.devices)
    size = sum(len(text) for _, text, _ in configs)
    print(f"generated {len(configs)} configs, {size / 1e6:.1f} MB, packs {available_packs()}")
    ours = run_ours(configs, args.workers)
    print(
        f"ours:     {ours['seconds']} s for {len(configs)} devices on {args.workers} workers"
        f" ({ours['ms_per_device']} ms per device wall, {ours['cpu_ms_per_device']} ms CPU),"
        f" peak {ours['peak_mb_per_worker']} MB per worker; verdicts {ours['verdicts']}"
    )
    baseline = run_baseline(configs)
    print(
        f"baseline: {baseline['sample_seconds']} s for {baseline['sample']} devices,"
        f" ≈{baseline['scaled_seconds']} s scaled to {len(configs)}"
    )
    ratio = float(baseline["scaled_seconds"]) / max(float(ours["seconds"]), 0.01)  # type: ignore[arg-type]
    print(f"ratio baseline/ours: {ratio:.1f}x (target: ours ≤ 20 s on 2 cores)")
    if args.results:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        packs = ", ".join(available_packs())
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(
                f"\n## Config rules, {len(configs)} configs × all packs — "
                f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
                f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {load}, "
                f"Python {platform.python_version()}; {size / 1e6:.1f} MB of config text from "
                f"real templates (IOS, VRP, Comware) with variations; packs {packs}.\n"
                f"- ours (packs loaded once per worker, {args.workers} workers): "
                f"{ours['seconds']} s, {ours['ms_per_device']} ms per device "
                f"({ours['cpu_ms_per_device']} ms CPU), peak {ours['peak_mb_per_worker']} MB "
                f"per worker; verdicts {ours['verdicts']}.\n"
                f"- baseline (`check_config` per file, packs resolved each time, one process): "
                f"{baseline['sample_seconds']} s for {baseline['sample']} configs, "
                f"≈{baseline['scaled_seconds']} s scaled to {len(configs)}.\n"
                f"- ratio baseline/ours: {ratio:.1f}x. Target ≤ 20 s.\n"
            )


if __name__ == "__main__":
    main()
