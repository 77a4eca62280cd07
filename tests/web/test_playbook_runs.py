"""Playbook runs in the web: filters in a shareable URL, and a run across two prefectures
shows each scoped user only their own devices' hosts and task events."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome, PlaybookStatus
from netcensus.inventory.models import Device, PlaybookEvent, PlaybookHostResult, PlaybookRun

from .conftest import BASE
from .world import T0, World


@pytest.fixture(scope="module")
def both_sides_run(web: tuple[Flask, Store, World]) -> Iterator[int]:
    """A backup run over one device inside Guangzhou and one in Shantou."""
    _, store, world = web
    with store.transaction() as db:
        run = PlaybookRun(playbook="backup", started_by="cli:ops", started_at=T0,
                          status=PlaybookStatus.SUCCESSFUL)  # fmt: skip
        db.add(run)
        db.flush()
        for seq, side in enumerate((world.inside, world.outside), start=1):
            device_id = db.scalar(select(Device.id).where(Device.name == side.device))
            db.add(PlaybookHostResult(run_id=run.id, device_id=device_id, host=side.device,
                                      outcome=Outcome.OK, ok=3))  # fmt: skip
            db.add(PlaybookEvent(run_id=run.id, seq=seq, at=T0, event="runner_on_ok",
                                 host=side.device, task=f"save {side.device}"))  # fmt: skip
        db.flush()
        run_id = run.id
    yield run_id


def test_a_run_across_prefectures_shows_each_side_its_half(
    both_sides_run: int,
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    world = web[2]
    scoped = client_of("security-gz").get(f"/playbook-runs/{both_sides_run}", base_url=BASE).text
    assert f"save {world.inside.device}" in scoped
    assert world.outside.device not in scoped
    api = client_of(None).get(
        f"/api/v1/playbook-runs/{both_sides_run}", base_url=BASE,
        headers={"Authorization": f"Bearer {world.tokens['security-gz']}"},
    ).json  # fmt: skip
    assert [h["host"] for h in api["hosts"]] == [world.inside.device]
    assert [e["host"] for e in api["events"]["items"]] == [world.inside.device]
    assert api["run"]["hosts"] == 1
    national = client_of(None).get(
        f"/api/v1/playbook-runs/{both_sides_run}", base_url=BASE,
        headers={"Authorization": f"Bearer {world.tokens['admin-all']}"},
    ).json  # fmt: skip
    assert sorted(h["host"] for h in national["hosts"]) == sorted(
        [world.inside.device, world.outside.device]
    )


def test_runs_filter_by_playbook_and_status_in_the_url(
    both_sides_run: int,
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    world = web[2]
    client = client_of("admin-all")
    backups = client.get("/playbook-runs?playbook=backup", base_url=BASE).text
    assert f'/playbook-runs/{both_sides_run}"' in backups
    assert f'/playbook-runs/{world.inside.playbook_run_id}"' not in backups
    failed = client.get("/playbook-runs?status=failed&per_page=1&page=2", base_url=BASE).text
    # The two failed remediation runs (one per side), one per page: the second page has one.
    assert failed.count('<a href="/playbook-runs/') == 1
    assert f'/playbook-runs/{both_sides_run}"' not in failed
    assert "共 2 条" in failed
    only_failed = client.get(
        f"/playbook-runs/{world.inside.playbook_run_id}?failed_only=true", base_url=BASE
    ).text
    assert "% Invalid input" in only_failed
    bad = client.get("/playbook-runs?status=exploded", base_url=BASE)
    assert bad.status_code == 400
