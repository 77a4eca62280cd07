"""The platform registry: one vocabulary (inventory.enums.Platform) mapped to every library's names.

Like netutils' ``lib_mapper``, each netcensus platform key maps to its netmiko device
type, Ansible ``network_os`` and ntc-templates platform, and back. Which platform a
device runs is learned from its sysObjectID and sysDescr by ``inventory.vendors`` (one
table for collectors and compliance), never from the enterprise number alone.
The facts live in one small file per platform (``cisco_ios.py``, ``huawei_vrp.py``,
``hp_comware.py``); adding a vendor is one more file listed in ``_MODULES`` plus its
fixtures under ``tests/fixtures/<platform>/``.

>>> platform_for_system("1.3.6.1.4.1.2011.2.23.96", "Huawei Versatile Routing Platform")
<Platform.HUAWEI_VRP: 'huawei_vrp'>
>>> platform_for_system("1.3.6.1.4.1.11.2.3.7.11.84", "HP J9146A E2910al-24G-PoE Switch")
<Platform.OTHER: 'other'>
>>> spec(Platform.CISCO_IOS).netmiko_device_type
'cisco_ios'
>>> platform_for_netmiko("huawei")
<Platform.HUAWEI_VRP: 'huawei_vrp'>
"""

from __future__ import annotations

from importlib import import_module
from types import MappingProxyType

from netcensus.collectors.platforms.base import PlatformSpec
from netcensus.inventory.enums import Platform
from netcensus.inventory.vendors import identify

__all__ = [
    "PLATFORMS",
    "PlatformSpec",
    "platform_for_ansible",
    "platform_for_netmiko",
    "platform_for_ntc",
    "platform_for_system",
    "spec",
]

_MODULES = ("cisco_ios", "huawei_vrp", "hp_comware")


def _load() -> dict[Platform, PlatformSpec]:
    specs: dict[Platform, PlatformSpec] = {}
    for name in _MODULES:
        platform_spec: PlatformSpec = import_module(f"{__name__}.{name}").PLATFORM
        if platform_spec.key.value != name:
            raise ValueError(f"platforms/{name}.py declares key {platform_spec.key}")
        specs[platform_spec.key] = platform_spec
    return specs


PLATFORMS: MappingProxyType[Platform, PlatformSpec] = MappingProxyType(_load())

_BY_NETMIKO = {s.netmiko_device_type: k for k, s in PLATFORMS.items()}
_BY_ANSIBLE = {s.ansible_network_os: k for k, s in PLATFORMS.items() if s.ansible_network_os}
_BY_NTC = {s.ntc_platform: k for k, s in PLATFORMS.items()}


def spec(platform: Platform | str) -> PlatformSpec:
    """The platform file's facts; a ``KeyError`` names platforms netcensus cannot collect."""
    key = Platform(platform)
    if key not in PLATFORMS:
        raise KeyError(f"no platform file for {key.value!r}; known: {sorted(PLATFORMS)}")
    return PLATFORMS[key]


def platform_for_system(sys_object_id: str | None, sys_descr: str | None) -> Platform:
    """The platform a device's system group shows; ``Platform.OTHER`` unless it is sure."""
    return identify(sys_object_id, sys_descr).platform


def platform_for_netmiko(device_type: str) -> Platform | None:
    return _BY_NETMIKO.get(device_type)


def platform_for_ansible(network_os: str) -> Platform | None:
    return _BY_ANSIBLE.get(network_os)


def platform_for_ntc(ntc_platform: str) -> Platform | None:
    return _BY_NTC.get(ntc_platform)
