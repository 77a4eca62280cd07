"""Hand-built lab devices, one per platform, for the CLI tests (no generator needed)."""

from __future__ import annotations

from netcensus.lab.state import LabArpEntry, LabDevice, LabInterface, LabMacEntry, LabNeighbour

IOS_CONFIG = """\
!
version 15.2
service timestamps log datetime msec
no service pad
!
hostname gz-core-01
!
enable secret 9 $9$abc
username netops privilege 15 secret 9 $9$def
!
ip http server
!
interface GigabitEthernet1/0/1
 description uplink
 switchport mode trunk
!
interface GigabitEthernet1/0/2
 switchport access vlan 10
!
interface Vlan10
 ip address 10.44.1.1 255.255.255.0
!
snmp-server community public RO
!
line vty 0 4
 transport input telnet ssh
!
end
"""

VRP_CONFIG = """\
!Software Version V200R019C10SPC500
#
sysname sz-acc-01
#
telnet server enable
#
interface Vlanif20
 ip address 10.44.2.1 255.255.255.0
#
interface GigabitEthernet0/0/1
 port link-type trunk
#
user-interface vty 0 4
 authentication-mode aaa
 protocol inbound all
#
return
"""

COMWARE_CONFIG = """\
#
 version 7.1.070, Release 6635P07
#
 sysname fs-acc-01
#
 telnet server enable
#
interface Vlan-interface30
 ip address 10.44.3.1 255.255.255.0
#
interface GigabitEthernet1/0/1
 port link-type trunk
#
line vty 0 63
 authentication-mode scheme
#
return
"""


def _device(**values: object) -> LabDevice:
    base: dict[str, object] = {
        "site_code": "440103",
        "zone": "internal",
        "role": "access",
        "snmp_port": 1161,
        "ssh_port": 2222,
        "sys_object_id": "1.3.6.1.4.1.9.1.1208",
        "sys_descr": "lab device",
        "community": "lab-ro",
        "v3_user": "nms",
        "v3_auth_key": "authkey-123",
        "v3_priv_key": "privkey-123",
        "ssh_username": "netops",
        "ssh_password": "Lab-pass-1",
        "enable_secret": "Lab-enable-1",
    }
    base.update(values)
    return LabDevice(**base)  # type: ignore[arg-type]


def ios_device(address: str = "127.31.0.1") -> LabDevice:
    return _device(
        name="gz-core-01",
        platform="cisco_ios",
        address=address,
        model="WS-C2960X-48TS-L",
        serial="FOC2039X0AB",
        os_version="15.2(7)E3",
        chassis_mac="70:10:5c:11:22:00",
        running_config=IOS_CONFIG,
        interfaces=[
            LabInterface(
                "GigabitEthernet1/0/1",
                10101,
                1_000_000_000,
                "70:10:5c:11:22:01",
                "uplink",
                mode="trunk",
            ),
            LabInterface(
                "GigabitEthernet1/0/2", 10102, 1_000_000_000, "70:10:5c:11:22:02", vlan=10
            ),
            LabInterface(
                "GigabitEthernet1/0/3",
                10103,
                1_000_000_000,
                "70:10:5c:11:22:03",
                admin_up=False,
                oper_up=False,
            ),
            LabInterface(
                "GigabitEthernet1/0/4",
                10104,
                100_000_000,
                "70:10:5c:11:22:04",
                oper_up=False,
                vlan=10,
            ),
            LabInterface(
                "Vlan10",
                10,
                1_000_000_000,
                "70:10:5c:11:22:00",
                mode="routed",
                address="10.44.1.1/24",
            ),
        ],
        neighbours=[
            LabNeighbour(
                "GigabitEthernet1/0/1",
                "sz-acc-01",
                "GigabitEthernet0/0/1",
                "4c:1f:cc:33:44:00",
                "10.44.2.1",
                ["bridge", "router"],
                "S5720-28X-SI-AC Huawei Versatile Routing Platform Software",
            ),
            LabNeighbour(
                "GigabitEthernet1/0/2",
                "pc-0042",
                "3c:52:82:aa:bb:01",
                "3c:52:82:aa:bb:01",
                None,
                ["station"],
                "",
            ),
        ],
        mac_table=[
            LabMacEntry("3c:52:82:aa:bb:01", "GigabitEthernet1/0/2", 10),
            LabMacEntry("4c:1f:cc:33:44:00", "GigabitEthernet1/0/1", 1),
        ],
        arp_table=[LabArpEntry("10.44.1.42", "3c:52:82:aa:bb:01", "Vlan10")],
    )


def vrp_device(address: str = "127.31.0.2") -> LabDevice:
    return _device(
        name="sz-acc-01",
        platform="huawei_vrp",
        address=address,
        model="S5720-28X-SI-AC",
        serial="2102351931P0J4000123",
        os_version="S5720 V200R019C10SPC500",
        chassis_mac="4c:1f:cc:33:44:00",
        sys_object_id="1.3.6.1.4.1.2011.2.23.378",
        running_config=VRP_CONFIG,
        interfaces=[
            LabInterface(
                "GigabitEthernet0/0/1", 6, 1_000_000_000, "4c:1f:cc:33:44:01", mode="trunk"
            ),
            LabInterface("GigabitEthernet0/0/2", 7, 1_000_000_000, "4c:1f:cc:33:44:02", vlan=20),
            LabInterface(
                "GigabitEthernet0/0/3",
                8,
                1_000_000_000,
                "4c:1f:cc:33:44:03",
                admin_up=False,
                oper_up=False,
                vlan=20,
            ),
            LabInterface(
                "Vlanif20",
                50,
                1_000_000_000,
                "4c:1f:cc:33:44:00",
                mode="routed",
                address="10.44.2.1/24",
            ),
        ],
        neighbours=[
            LabNeighbour(
                "GigabitEthernet0/0/1",
                "gz-core-01",
                "Gi1/0/1",
                "70:10:5c:11:22:00",
                "10.44.1.1",
                ["bridge", "router"],
                "Cisco IOS Software, C2960X Software",
            ),
            LabNeighbour(
                "GigabitEthernet0/0/2",
                "pc-0043",
                "3c:52:82:aa:bb:02",
                "3c:52:82:aa:bb:02",
                None,
                ["station"],
                "Windows 10",
            ),
        ],
        mac_table=[
            LabMacEntry("3c:52:82:aa:bb:02", "GigabitEthernet0/0/2", 20),
            LabMacEntry("70:10:5c:11:22:00", "GigabitEthernet0/0/1", 1),
        ],
        arp_table=[LabArpEntry("10.44.2.43", "3c:52:82:aa:bb:02", "Vlanif20")],
    )


def comware_device(address: str = "127.31.0.3") -> LabDevice:
    return _device(
        name="fs-acc-01",
        platform="hp_comware",
        address=address,
        model="S5130S-28S-EI",
        serial="219801A2YJ8205Q00042",
        os_version="7.1.070, Release 6635P07",
        chassis_mac="b0:44:14:55:66:00",
        sys_object_id="1.3.6.1.4.1.25506.1.1234",
        running_config=COMWARE_CONFIG,
        interfaces=[
            LabInterface(
                "GigabitEthernet1/0/1",
                1,
                1_000_000_000,
                "b0:44:14:55:66:01",
                "to-core",
                mode="trunk",
            ),
            LabInterface("GigabitEthernet1/0/2", 2, 100_000_000, "b0:44:14:55:66:02", vlan=30),
            LabInterface(
                "GigabitEthernet1/0/3",
                3,
                1_000_000_000,
                "b0:44:14:55:66:03",
                admin_up=False,
                oper_up=False,
                vlan=30,
            ),
            LabInterface(
                "Vlan-interface30",
                530,
                1_000_000_000,
                "b0:44:14:55:66:00",
                mode="routed",
                address="10.44.3.1/24",
            ),
        ],
        neighbours=[
            LabNeighbour(
                "GigabitEthernet1/0/1",
                "sz-acc-01",
                "GigabitEthernet0/0/3",
                "4c:1f:cc:33:44:00",
                "10.44.2.1",
                ["bridge", "router"],
                "Huawei Versatile Routing Platform Software",
            ),
            LabNeighbour(
                "GigabitEthernet1/0/2",
                "pc-0044",
                "3c:52:82:aa:bb:03",
                "3c:52:82:aa:bb:03",
                None,
                ["station"],
                "Windows 10",
            ),
        ],
        mac_table=[
            LabMacEntry("3c:52:82:aa:bb:03", "GigabitEthernet1/0/2", 30),
            LabMacEntry("4c:1f:cc:33:44:00", "GigabitEthernet1/0/1", 1),
        ],
        arp_table=[LabArpEntry("10.44.3.44", "3c:52:82:aa:bb:03", "Vlan-interface30")],
    )
