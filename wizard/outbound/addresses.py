"""Which IP addresses an outbound request may connect to: public ones only.

``ipaddress`` knows most ranges, but not all the ways an address can hide another: an
IPv4-mapped IPv6 address (``::ffff:127.0.0.1``), NAT64 (``64:ff9b::/96``) and 6to4
(``2002::/16``) each carry an IPv4 address that a gateway or the kernel connects to, so
the carried address is judged. IPv6 site-local (``fec0::/10``) counts as global for
``ipaddress`` but is still routed inside some networks.
"""

import ipaddress
from enum import StrEnum

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
CLOUD_METADATA = ipaddress.ip_address("169.254.169.254")


class AddressKind(StrEnum):
    PUBLIC = "public"
    LOOPBACK = "loopback"
    UNSPECIFIED = "unspecified"
    LINK_LOCAL = "link-local"
    MULTICAST = "multicast"
    CARRIER_GRADE_NAT = "carrier-grade NAT"
    SITE_LOCAL = "site-local"
    RESERVED = "reserved"
    PRIVATE = "private"
    NOT_PUBLIC = "non-public"


def parse(text: str) -> IP | None:
    """The address ``text`` names (brackets and an IPv6 zone allowed), or None for a name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def kind_of(address: IP) -> AddressKind:
    carried = _carried_ipv4(address)
    if carried is not None:
        return kind_of(carried)
    checks = (
        (address.is_unspecified, AddressKind.UNSPECIFIED),
        (address.is_loopback, AddressKind.LOOPBACK),
        (address.is_link_local, AddressKind.LINK_LOCAL),
        (address.is_multicast, AddressKind.MULTICAST),
        (address in CARRIER_GRADE_NAT, AddressKind.CARRIER_GRADE_NAT),
        (getattr(address, "is_site_local", False), AddressKind.SITE_LOCAL),
        (address.is_reserved, AddressKind.RESERVED),
        (address.is_private, AddressKind.PRIVATE),
        (not address.is_global, AddressKind.NOT_PUBLIC),
    )
    return next((kind for matches, kind in checks if matches), AddressKind.PUBLIC)


def describe(address: IP, kind: AddressKind) -> str:
    """``a loopback address``, with what the address is when that helps the admin."""
    article = "an" if kind.value[0] in "aeiou" else "a"
    text = f"{article} {kind.value} address"
    if address == CLOUD_METADATA:
        text += " (the cloud metadata service)"
    elif kind is AddressKind.LOOPBACK:
        text += " (this machine)"
    return text


def _carried_ipv4(address: IP) -> ipaddress.IPv4Address | None:
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None
