"""Observation files from zone pollers: written, verified, refused when damaged or altered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from netcensus.cli import main
from netcensus.collectors.observation import Observation, ObservedInterface, ObservedMac
from netcensus.collectors.transfer import (
    ObservationWriter,
    TransferError,
    read_observation_file,
)
from netcensus.inventory.db import Store
from netcensus.inventory.models import Device, Endpoint, Scan, ScanResult

KEY = b"poller-shared-secret"
T0 = dt.datetime(2024, 6, 1, 9, 30, tzinfo=dt.UTC)


def _observations() -> list[Observation]:
    return [
        Observation(
            target="ext-acc-1", address="127.0.5.1", method="snmp", started_at=T0,
            sys_name="ext-acc-1", serial="EXT-0001", chassis_mac="02:00:00:00:05:01",
            interfaces=[ObservedInterface("GigabitEthernet0/1", 1, mac="02:00:00:00:05:02"),
                        ObservedInterface("GigabitEthernet0/2", 2, mac="02:00:00:00:05:03")],
            fdb=[ObservedMac("aa:00:00:00:05:01", "GigabitEthernet0/2", 30)],
        ),
        Observation(target="ext-acc-2", address="127.0.5.2", method="snmp", started_at=T0,
                    ok=False, error_code="timeout", error="no answer"),
    ]  # fmt: skip


def _write(path: Path, key: bytes | None = None) -> Path:
    poller = {"host": "poller-ext", "user": "netops", "zone": "external", "zone_kind": "external"}
    with ObservationWriter(path, poller=poller, scope={"zone": "external"}, key=key) as writer:
        for observation in _observations():
            writer.write(observation)
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_round_trip_keeps_every_observation(tmp_path: Path) -> None:
    verified = read_observation_file(_write(tmp_path / "ext.jsonl", KEY), KEY)
    assert [o.to_dict() for o in verified.observations] == [o.to_dict() for o in _observations()]
    assert verified.header["poller"]["zone"] == "external"
    assert (verified.signed, verified.signature_checked) == (True, True)
    assert not (tmp_path / "ext.jsonl.part").exists()


def test_one_modified_byte_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "ext.jsonl")
    lines = _lines(path)
    assert b"127.0.5.1" in lines[1]
    lines[1] = lines[1].replace(b"127.0.5.1", b"127.0.5.7")  # still valid JSON
    path.write_bytes(b"".join(lines))
    with pytest.raises(TransferError, match="SHA-256"):
        read_observation_file(path)


@pytest.mark.parametrize("cut", ["trailer", "mid-line"])
def test_truncated_file_is_refused(tmp_path: Path, cut: str) -> None:
    path = _write(tmp_path / "ext.jsonl")
    data = path.read_bytes()
    if cut == "trailer":
        path.write_bytes(b"".join(_lines(path)[:-1]))
        expected = "truncated"
    else:
        path.write_bytes(data[: len(data) // 2])
        expected = "not valid JSON"
    with pytest.raises(TransferError, match=expected):
        read_observation_file(path)


def test_recomputed_checksum_is_caught_only_by_the_hmac(tmp_path: Path) -> None:
    """What the SHA-256 cannot do: someone edits a line and recomputes the checksum."""
    path = _write(tmp_path / "ext.jsonl", KEY)
    lines = _lines(path)
    lines[2] = lines[2].replace(b'"timeout"', b'"refused"')
    trailer = json.loads(lines[-1])
    trailer["sha256"] = hashlib.sha256(b"".join(lines[:-1])).hexdigest()
    lines[-1] = (json.dumps(trailer) + "\n").encode()
    path.write_bytes(b"".join(lines))
    assert read_observation_file(path).observations[1].error_code == "refused"  # no key
    with pytest.raises(TransferError, match="HMAC"):
        read_observation_file(path, KEY)


def test_unsigned_file_is_refused_where_a_key_is_set(tmp_path: Path) -> None:
    with pytest.raises(TransferError, match="not signed"):
        read_observation_file(_write(tmp_path / "ext.jsonl"), KEY)


def test_removed_observation_line_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "ext.jsonl")
    lines = _lines(path)
    path.write_bytes(b"".join([lines[0], lines[2], lines[3]]))
    with pytest.raises(TransferError, match="trailer says 2"):
        read_observation_file(path)


def test_writer_that_fails_leaves_no_finished_file(tmp_path: Path) -> None:
    path = tmp_path / "ext.jsonl"
    with pytest.raises(RuntimeError), ObservationWriter(path, poller={}, scope={}) as writer:
        writer.write(_observations()[0])
        raise RuntimeError("poller died")
    assert not path.exists() and (tmp_path / "ext.jsonl.part").exists()


# --- ingest through the CLI, against a real store ---------------------------------------------


def _counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Device, Endpoint, Scan, ScanResult)
        }


@pytest.fixture
def central(cli_env: Path) -> Store:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    return Store(f"sqlite:///{cli_env / 'netcensus.db'}")


@pytest.mark.parametrize("damage", ["byte", "truncate"])
def test_ingest_of_damaged_file_changes_nothing(
    central: Store, tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NETCENSUS_POLLER_KEY", raising=False)
    path = _write(tmp_path / "ext.jsonl")
    data = path.read_bytes()
    if damage == "byte":
        at = data.index(b"EXT-0001") + 4
        data = data[:at] + b"9" + data[at + 1 :]
    else:
        data = data[: data.rindex(b'{"count"')]
    path.write_bytes(data)
    before = _counts(central)
    result = CliRunner().invoke(main, ["ingest", str(path)])
    assert result.exit_code == 2
    assert "nothing was ingested" in result.output and "Traceback" not in result.output
    assert _counts(central) == before


def test_ingest_reconciles_and_refuses_the_same_file_twice(
    central: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETCENSUS_POLLER_KEY", KEY.decode())
    path = _write(tmp_path / "ext.jsonl", KEY)
    result = CliRunner().invoke(main, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["summary"]["ok"], report["summary"]["failed"]) == (1, 1)
    assert [f["code"] for f in report["failed"]] == ["timeout"]
    with central.session() as session:
        device = session.scalars(select(Device)).one()  # ext-acc-2 never answered: nothing
        assert (device.name, device.managed, device.serial) == ("ext-acc-1", False, "EXT-0001")
        scan = session.scalars(select(Scan)).one()
        assert scan.source == "poller netops@poller-ext zone external"
        assert session.scalars(select(Endpoint.mac)).all() == ["aa:00:00:00:05:01"]
    before = _counts(central)
    again = CliRunner().invoke(main, ["ingest", str(path)])
    assert again.exit_code == 2 and "already ingested" in again.output
    assert _counts(central) == before


def test_ok_with_errors_is_counted_apart_in_json_and_text(
    central: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "ok 1, ok with errors 1, failed 1": a device with part errors is not a clean ok."""
    from netcensus.collectors.observation import CollectionError

    monkeypatch.delenv("NETCENSUS_POLLER_KEY", raising=False)
    cut = Observation(
        target="ext-acc-3", address="127.0.5.3", method="snmp", started_at=T0,
        sys_name="ext-acc-3[/]", serial="EXT-0003", sys_location="广州[bold]",
        errors=[CollectionError("fdb", "walk-loop", "dot1qTpFdbPort: a loop [red]x[/]")],
    )  # fmt: skip
    poller = {"host": "poller-ext", "user": "netops", "zone": "external", "zone_kind": "external"}
    path = tmp_path / "ext.jsonl"
    with ObservationWriter(path, poller=poller, scope={"zone": "external"}) as writer:
        for observation in [*_observations(), cut]:
            writer.write(observation)
    result = CliRunner().invoke(main, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert (summary["ok"], summary["ok_with_errors"], summary["failed"]) == (1, 1, 1)
    assert report["with_errors"] == [
        {
            "device": "ext-acc-3",
            "method": "snmp",
            "part_errors": [
                {"part": "fdb", "code": "walk-loop", "message": "dot1qTpFdbPort: a loop [red]x[/]"}
            ],
        }
    ]
    with central.session() as session:
        device = session.scalars(select(Device).where(Device.serial == "EXT-0003")).one()
        assert device.sys_location == "广州[bold]"
    # The text summary counts it apart and shows the error as text, not as markup.
    later = tmp_path / "later.jsonl"
    cut.started_at = T0 + dt.timedelta(days=1)
    with ObservationWriter(later, poller=poller, scope={"zone": "external"}) as writer:
        writer.write(cut)
    text = CliRunner().invoke(main, ["ingest", str(later)], terminal_width=200)
    assert text.exit_code == 0, text.output
    assert "ok with errors" in text.output and "a loop [red]x[/]" in text.output
