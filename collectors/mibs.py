"""Numeric OIDs the SNMP collector reads, and the MIBs' value vocabularies.

OIDs are plain tuples so requests never go through pysnmp's MIB resolution (it
costs more CPU than the protocol work itself). Names follow the MIB objects.
"""

from __future__ import annotations

OID = tuple[int, ...]

# SNMPv2-MIB system group: scalars, read with GETNEXT on the object (non-repeaters).
SYSTEM: dict[str, OID] = {
    "sysDescr": (1, 3, 6, 1, 2, 1, 1, 1),
    "sysObjectID": (1, 3, 6, 1, 2, 1, 1, 2),
    "sysUpTime": (1, 3, 6, 1, 2, 1, 1, 3),
    "sysContact": (1, 3, 6, 1, 2, 1, 1, 4),
    "sysName": (1, 3, 6, 1, 2, 1, 1, 5),
    "sysLocation": (1, 3, 6, 1, 2, 1, 1, 6),
    # LLDP-MIB local system data: the device's own chassis id (its base MAC on switches).
    "lldpLocChassisIdSubtype": (1, 0, 8802, 1, 1, 2, 1, 3, 1),
    "lldpLocChassisId": (1, 0, 8802, 1, 1, 2, 1, 3, 2),
}

_IF = (1, 3, 6, 1, 2, 1, 2, 2, 1)
_IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
_IPADDR = (1, 3, 6, 1, 2, 1, 4, 20, 1)
_ENT = (1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1)
_LLDP_LOC_PORT = (1, 0, 8802, 1, 1, 2, 1, 3, 7, 1)
_LLDP_REM = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)
_LLDP_REM_MAN = (1, 0, 8802, 1, 1, 2, 1, 4, 2, 1)
_CDP = (1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1)
_DOT1D_BASE_PORT = (1, 3, 6, 1, 2, 1, 17, 1, 4, 1)
_DOT1D_FDB = (1, 3, 6, 1, 2, 1, 17, 4, 3, 1)
_DOT1Q_FDB = (1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1)
_DOT1Q_VLAN_CURRENT = (1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1)
_DOT1Q_VLAN_STATIC = (1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1)
_IP_NET_TO_MEDIA = (1, 3, 6, 1, 2, 1, 4, 22, 1)
_IP_NET_TO_PHYSICAL = (1, 3, 6, 1, 2, 1, 4, 35, 1)

# Table columns walked, by the part of the observation they feed (used for error reports).
# Only the columns the collector uses: walking whole tables would move counters for nothing.
COLUMNS: dict[str, dict[str, OID]] = {
    "interfaces": {
        "ifDescr": _IF + (2,),
        "ifType": _IF + (3,),
        "ifMtu": _IF + (4,),
        "ifSpeed": _IF + (5,),
        "ifPhysAddress": _IF + (6,),
        "ifAdminStatus": _IF + (7,),
        "ifOperStatus": _IF + (8,),
        "ifName": _IFX + (1,),
        "ifHighSpeed": _IFX + (15,),
        "ifAlias": _IFX + (18,),
        "ipAdEntIfIndex": _IPADDR + (2,),
        "ipAdEntNetMask": _IPADDR + (3,),
    },
    "entity": {
        "entPhysicalClass": _ENT + (5,),
    },
    "lldp": {
        "lldpLocPortId": _LLDP_LOC_PORT + (3,),
        "lldpLocPortDesc": _LLDP_LOC_PORT + (4,),
        "lldpRemChassisIdSubtype": _LLDP_REM + (4,),
        "lldpRemChassisId": _LLDP_REM + (5,),
        "lldpRemPortIdSubtype": _LLDP_REM + (6,),
        "lldpRemPortId": _LLDP_REM + (7,),
        "lldpRemPortDesc": _LLDP_REM + (8,),
        "lldpRemSysName": _LLDP_REM + (9,),
        "lldpRemSysDesc": _LLDP_REM + (10,),
        "lldpRemSysCapEnabled": _LLDP_REM + (12,),
        "lldpRemManAddrIfSubtype": _LLDP_REM_MAN + (3,),
    },
    "cdp": {
        "cdpCacheAddressType": _CDP + (3,),
        "cdpCacheAddress": _CDP + (4,),
        "cdpCacheDeviceId": _CDP + (6,),
        "cdpCacheDevicePort": _CDP + (7,),
        "cdpCachePlatform": _CDP + (8,),
        "cdpCacheCapabilities": _CDP + (9,),
    },
    "fdb": {
        "dot1dBasePortIfIndex": _DOT1D_BASE_PORT + (2,),
        "dot1dTpFdbPort": _DOT1D_FDB + (2,),
        "dot1dTpFdbStatus": _DOT1D_FDB + (3,),
        "dot1qTpFdbPort": _DOT1Q_FDB + (2,),
        "dot1qTpFdbStatus": _DOT1Q_FDB + (3,),
        "dot1qVlanFdbId": _DOT1Q_VLAN_CURRENT + (3,),
    },
    "vlans": {
        "dot1qVlanStaticName": _DOT1Q_VLAN_STATIC + (1,),
    },
    "arp": {
        "ipNetToMediaPhysAddress": _IP_NET_TO_MEDIA + (2,),
        "ipNetToMediaType": _IP_NET_TO_MEDIA + (4,),
        "ipNetToPhysicalPhysAddress": _IP_NET_TO_PHYSICAL + (4,),
    },
}

# ENTITY-MIB columns read with GET for the chassis rows only (entity tables run to
# thousands of rows of sensors and transceivers; the chassis is all an inventory needs).
ENTITY_CHASSIS: dict[str, OID] = {
    "entPhysicalDescr": _ENT + (2,),
    "entPhysicalContainedIn": _ENT + (4,),
    "entPhysicalHardwareRev": _ENT + (8,),
    "entPhysicalFirmwareRev": _ENT + (9,),
    "entPhysicalSoftwareRev": _ENT + (10,),
    "entPhysicalSerialNum": _ENT + (11,),
    "entPhysicalMfgName": _ENT + (12,),
    "entPhysicalModelName": _ENT + (13,),
}
ENT_CLASS_CHASSIS = 3

# Value ranges the MIBs declare, checked while decoding (an out-of-range value is a part
# error, never a number stored). Objects not listed must fit the store's 64-bit integers.
INT64_RANGE = (-(2**63), 2**63 - 1)
_GAUGE32 = (0, 2**32 - 1)
_INTEGER32 = (-(2**31), 2**31 - 1)
RANGES: dict[str, tuple[int, int]] = {
    "ifSpeed": _GAUGE32,
    "ifHighSpeed": _GAUGE32,
    "ifMtu": _INTEGER32,
    "ifType": (1, 2**31 - 1),
    "ifAdminStatus": (1, 7),
    "ifOperStatus": (1, 7),
    "ipAdEntIfIndex": (1, 2**31 - 1),
    "sysUpTime": _GAUGE32,
    "dot1dBasePortIfIndex": (1, 2**31 - 1),
    # The MIB says 0..65535; agents without a base-port table (a ZTE OLT) put the ifIndex
    # there, and that still names the port.
    "dot1qTpFdbPort": (0, 2**31 - 1),
    "dot1dTpFdbPort": (0, 2**31 - 1),
}

# ifAdminStatus / ifOperStatus
IF_STATUS = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}

# ifSpeed is a Gauge32: interfaces faster than 4.29 Gbit/s report this and put the
# real speed in ifHighSpeed (Mbit/s).
IF_SPEED_SATURATED = 4294967295

# LldpSystemCapabilitiesMap bit positions (BITS: bit 0 is the high bit of the first octet).
# Names match netcensus's neighbour vocabulary ("station" for stationOnly).
LLDP_CAPABILITIES = (
    "other",
    "repeater",
    "bridge",
    "wlanAccessPoint",
    "router",
    "telephone",
    "docsisCableDevice",
    "station",
    "cVLAN",
    "sVLAN",
    "tpmr",
)

# CISCO-CDP-MIB cdpCacheCapabilities: a 32-bit big-endian flag word (CDP spec), mapped
# onto the LLDP names so the two protocols' neighbours compare.
CDP_CAPABILITIES = (
    (0x01, "router"),
    (0x02, "bridge"),  # transparent bridge
    (0x04, "bridge"),  # source-route bridge
    (0x08, "bridge"),  # switch
    (0x10, "station"),  # host
    (0x40, "repeater"),
    (0x80, "telephone"),
)

# LldpChassisIdSubtype / LldpPortIdSubtype values the collector interprets.
LLDP_CHASSIS_MAC = 4
LLDP_CHASSIS_NETWORK_ADDRESS = 5
LLDP_PORT_MAC = 3
LLDP_PORT_NETWORK_ADDRESS = 4

# dot1dTpFdbStatus / dot1qTpFdbStatus: other(1) invalid(2) learned(3) self(4) mgmt(5).
FDB_INVALID = 2
FDB_SELF = 4
FDB_STATIC = 5

# ipNetToMediaType: invalid(2) entries are deleted ones an agent still lists.
ARP_INVALID = 2
