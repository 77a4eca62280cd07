"""Config versions on SQLite and PostgreSQL: stored once per change, diffs, history, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from netcensus.cli import main
from netcensus.collectors.configs import normalise, store_config
from netcensus.errors import UserError
from netcensus.inventory import queries
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.enums import Platform
from netcensus.inventory.models import ConfigBlob, ConfigVersion, Device
from netcensus.settings import load_settings

T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
CONFIG = """hostname core1
!
username admin privilege 15 secret 9 $9$abcdefgh$ijklmnop
snmp-server community s3cretRO RO 10
interface GigabitEthernet0/1
 description uplink
!
end
"""


def _device(session, name: str = "core1") -> Device:  # type: ignore[no-untyped-def]
    device = Device(name=name, platform=Platform.CISCO_IOS)
    session.add(device)
    session.flush()
    return device


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)))


def test_same_config_twice_makes_one_version(store: Store) -> None:
    with store.transaction() as session:
        device = _device(session)
        first, changed1 = store_config(session, device, CONFIG, T0, None)
        # CRLF line endings and trailing blanks are the same configuration.
        again = CONFIG.replace("\n", "\r\n") + "\r\n\r\n"
        second, changed2 = store_config(session, device, again, T0 + dt.timedelta(days=1))
    assert (changed1, changed2) == (True, False)
    assert second.id == first.id
    with store.session() as session:
        assert _count(session, ConfigVersion) == 1
        assert _count(session, ConfigBlob) == 1
        stored = session.get(ConfigVersion, first.id)
        assert stored is not None
        confirmed = stored.confirmed_at.replace(tzinfo=stored.confirmed_at.tzinfo or dt.UTC)
        assert confirmed == T0 + dt.timedelta(days=1)
        collected = stored.collected_at.replace(tzinfo=stored.collected_at.tzinfo or dt.UTC)
        assert collected == T0


def test_an_older_rescan_does_not_move_confirmed_at_back(store: Store) -> None:
    with store.transaction() as session:
        device = _device(session)
        v, _ = store_config(session, device, CONFIG, T0 + dt.timedelta(hours=5))
        store_config(session, device, CONFIG, T0)
        confirmed = v.confirmed_at.replace(tzinfo=v.confirmed_at.tzinfo or dt.UTC)
    assert confirmed == T0 + dt.timedelta(hours=5)


def test_changed_config_makes_two_versions_and_a_diff(store: Store) -> None:
    changed = CONFIG.replace(" description uplink", " description uplink to dist1")
    with store.transaction() as session:
        device = _device(session)
        store_config(session, device, CONFIG, T0)
        v2, was_changed = store_config(session, device, changed, T0 + dt.timedelta(hours=1), None)
        assert was_changed
        text = queries.config_diff(session, device.name).unified
        rows = queries.list_config_versions(session, device.name)
    assert "- description uplink\n" in text
    assert "+ description uplink to dist1\n" in text
    assert "core1 v1 (2024-03-01T08:00:00+00:00)" in text
    assert "core1 v2 (2024-03-01T09:00:00+00:00)" in text
    assert [(r.number, r.added, r.removed) for r in rows] == [(1, 8, 0), (2, 1, 1)]
    assert rows[1].id == v2.id
    # Secrets never reach the store or the diff, even handed over unredacted.
    assert "$9$abcdefgh" not in text and "s3cretRO" not in text


def test_storage_grows_with_changes_not_scans(store: Store) -> None:
    """A flapping config (A, B, A, B …) stores two blobs however many versions it makes."""
    other = CONFIG.replace("hostname core1", "hostname core1-new")
    with store.transaction() as session:
        device = _device(session)
        for hour in range(10):
            store_config(
                session,
                device,
                CONFIG if hour // 3 % 2 == 0 else other,
                T0 + dt.timedelta(hours=hour),
            )
    with store.session() as session:
        assert _count(session, ConfigBlob) == 2
        # hours 0-2 A, 3-5 B, 6-8 A, 9 B: four changes, ten scans
        assert _count(session, ConfigVersion) == 4


def test_identical_configs_of_two_devices_share_a_blob(store: Store) -> None:
    with store.transaction() as session:
        store_config(session, _device(session, "a1"), CONFIG, T0)
        store_config(session, _device(session, "a2"), CONFIG, T0)
    with store.session() as session:
        assert (_count(session, ConfigBlob), _count(session, ConfigVersion)) == (1, 2)


def test_version_numbers_and_errors(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as session:
        device = _device(session)
        with pytest.raises(UserError, match="no configuration stored"):
            queries.config_diff(session, device.name)
        store_config(session, device, CONFIG, T0)
        with pytest.raises(UserError, match="single version"):
            queries.config_diff(session, device.name)
        store_config(session, device, CONFIG + "banner motd x\n", T0 + dt.timedelta(hours=1))

        def version_id(number: int | None = None) -> int:
            return queries.config_text(session, device.name, number).version.id

        assert version_id(-1) == version_id()
        assert version_id(1) != version_id(2)
        with pytest.raises(UserError, match="versions 1..2; there is no version 3"):
            version_id(3)
        assert queries.config_diff(session, device.name, 2, 1).unified.count("-banner motd x") == 1


def test_normalise_is_what_gets_hashed() -> None:
    assert normalise("a \r\nb\r\n\r\n") == normalise("a\nb\n") == "a\nb\n"


@pytest.fixture
def cli_store(cli_env: Path) -> Store:
    url = load_settings().database_url
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Store(url)


def test_cli_history_diff_show(cli_store: Store) -> None:
    changed = CONFIG.replace(" description uplink", " description uplink to dist1")
    with cli_store.transaction() as session:
        device = _device(session)
        device.mgmt_address = "127.0.0.9"
        store_config(session, device, CONFIG, T0)
        store_config(session, device, changed, T0 + dt.timedelta(hours=1))
    cli_store.dispose()
    runner = CliRunner()

    result = runner.invoke(main, ["configs", "history", "core1", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["version"], r["added"], r["removed"]) for r in rows] == [(1, 8, 0), (2, 1, 1)]

    result = runner.invoke(main, ["configs", "diff", "127.0.0.9"])
    assert result.exit_code == 0, result.output
    assert "+ description uplink to dist1" in result.output

    result = runner.invoke(main, ["configs", "show", "core1", "1"])
    assert result.exit_code == 0
    assert "username admin privilege 15 secret 9 <redacted>" in result.output
    assert "$9$" not in result.output

    result = runner.invoke(main, ["configs", "diff", "nosuch"])
    assert result.exit_code == 2
    assert "no device named 'nosuch'" in result.output
    assert "Traceback" not in result.output

    result = runner.invoke(main, ["configs", "show", "core1", "7"])
    assert result.exit_code == 2 and "there is no version 7" in result.output
