"""Real SNMP recordings (shared/data/snmp/librenms) served as extra lab devices.

They give collectors real vendors' quirks (Comware IRF entity trees, VRP FDB sizes,
NX-OS LLDP + CDP, Junos, Linux) next to our generated agents. They sit in a zone of
their own at the root site, are reachable by SNMP only (no CLI), and their contents are
whatever the recording holds: the ground truth names them but asserts nothing about
them beyond that they answer.
"""

from __future__ import annotations

from pathlib import Path

from netcensus.inventory.enums import DeviceRole
from netcensus.lab.state import LabDevice
from netcensus.lab.topology import SNMP_PORT, SSH_PORT, Builder, Site

RECORDINGS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "snmp" / "librenms"
RECORDINGS_ZONE = "recordings"


def _role_and_platform(stem: str) -> tuple[DeviceRole, str]:
    if stem.startswith("linux"):
        return DeviceRole.SERVER, "other"
    if "ne8000" in stem or "mx5t" in stem:
        role = DeviceRole.ROUTER
    elif "rpm" in stem:
        role = DeviceRole.FIREWALL
    elif any(key in stem for key in ("ce12804", "nxos", "qfx", "comware.", "hpe5900")):
        role = DeviceRole.CORE_SWITCH
    else:
        role = DeviceRole.ACCESS_SWITCH
    if stem.startswith("vrp"):
        return role, "huawei_vrp"
    if stem.startswith("comware"):
        return role, "hp_comware"
    if stem.startswith("ios"):
        return role, "cisco_ios"
    return role, "other"


def devices(builder: Builder, root: Site, directory: Path = RECORDINGS_DIR) -> list[LabDevice]:
    """One SNMP-only device per ``*.snmprec`` in ``directory`` (none if it is missing)."""
    files = sorted(directory.glob("*.snmprec")) if directory.is_dir() else []
    if not files:
        return []
    secrets = builder.credentials()
    found = []
    for number, path in enumerate(files, 1):
        stem = path.name.removesuffix(".snmprec")
        role, platform = _role_and_platform(stem + ".")
        found.append(
            LabDevice(
                name=f"rec-{stem.replace('_', '-').replace('.', '-')}",
                site_code=root.code,
                zone=RECORDINGS_ZONE,
                role=role.value,
                platform=platform,
                address=f"127.{builder.block}.255.{number}",  # apart from generated ones
                snmp_port=SNMP_PORT,
                ssh_port=SSH_PORT,
                model="",
                serial="",
                os_version="",
                chassis_mac="",
                sys_object_id="",
                sys_descr="",
                community=secrets["community"],
                v3_user="nc-rec",
                v3_auth_key=secrets["v3_auth_key"],
                v3_priv_key=secrets["v3_priv_key"],
                ssh_username="",
                ssh_password="",
                enable_secret="",
                running_config="",
                ssh_enabled=False,
                recording=str(path),
            )
        )
    return found
