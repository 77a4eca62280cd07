"""Export writes YAML that loads back to the same declared state (on both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.export import declared_state, dump_yaml, export_inventory, write_export
from netcensus.inventory.loader import load_inventory, read_inventory

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "guangdong"


def fresh(url: str) -> Store:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Store(url)


def test_example_exports_and_loads_into_a_fresh_store_unchanged(
    store: Store, tmp_path: Path
) -> None:
    with store.transaction() as session:
        load_inventory(session, [EXAMPLE], actor="tester")
    with store.session() as session:
        original = declared_state(session)
        text = str(write_export(session, None))
    exported = tmp_path / "export.yaml"
    exported.write_text(text, encoding="utf-8")
    assert read_inventory([exported]).references == []  # it stands on its own

    other = fresh(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.transaction() as session:
            report = load_inventory(session, [exported], actor="tester")
        assert report.counts()["device"]["create"] == 23
        with other.session() as session:
            assert declared_state(session) == original
            assert write_export(session, None) == text  # and exporting again is stable
    finally:
        other.dispose()
    # The export also loads over the store it came from without a change.
    with store.transaction() as session:
        assert not load_inventory(session, [exported], actor="tester").changed


def test_round_trip_keeps_what_the_example_spells_its_own_way(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as session:
        load_inventory(session, [EXAMPLE], actor="tester")
        data = export_inventory(session)
    links = {link.get("circuit_id"): link for link in data["links"]}
    assert (links["GD-INTRA-0042"]["bandwidth"], links["GD-EXTRA-0107"]["bandwidth"]) == (
        "1G",
        "10G",
    )
    # A port spelled Ten-GigabitEthernet (Comware) keeps its spelling.
    assert links["GD-EXTRA-0107"]["b"] == {
        "device": "gz-ext-core-1",
        "interface": "Ten-GigabitEthernet1/0/25",
    }
    hq = next(site for site in data["sites"] if site["code"] == "44")
    assert "parent" not in hq and hq["attributes"] == {
        "address": "广州市越秀区东风中路",
        "staff": 126,
    }
    text = dump_yaml(data)
    assert "code: '4401'" in text and "at: 2024-03-01" in text
    assert "credentials: {ssh: ssh-ops, snmp: snmp-v3}" in text
    for secret_word in ("password:", "community:", "auth_key:", "priv_key:"):
        assert secret_word not in text


@pytest.mark.parametrize("layout", ["file", "directory"])
def test_export_over_divisions_round_trips(
    sqlite_store: Store, tmp_path: Path, shared_data: Path, layout: str
) -> None:
    divisions = shared_data / "divisions" / "guangdong.json"
    with sqlite_store.transaction() as session:
        import_divisions(session, divisions)
        load_inventory(session, [EXAMPLE], actor="tester")
    out = tmp_path / "export"
    if layout == "directory":
        out.mkdir()
    else:
        out = out.with_suffix(".yaml")
    with sqlite_store.session() as session:
        original = declared_state(session)
        write_export(session, out)
    other = fresh(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.transaction() as session:
            import_divisions(session, divisions)
            load_inventory(session, [out], actor="tester")
        with other.session() as session:
            assert declared_state(session) == original
    finally:
        other.dispose()
