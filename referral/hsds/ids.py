"""HSDS record ids: UUIDs that encode the kind of record and our integer ids.

They are stable and can be read back: <sub-id:8 hex>-0000-4000-<kind:4 hex>-<id:12 hex>.
"""
from __future__ import annotations

import re

KINDS = {
    "organization": 0x8001, "service": 0x8002, "location": 0x8003, "service_at_location": 0x8004,
    "address": 0x8005, "phone": 0x8006, "language": 0x8007, "cost_option": 0x8008, "identifier": 0x8009,
    "taxonomy": 0x800A, "provider_type_term": 0x800B, "modality_term": 0x800C, "concern_term": 0x800D,
    "provider_type_attribute": 0x800E, "modality_attribute": 0x800F, "concern_attribute": 0x8010,
}
ID_PATTERN = re.compile(r"^([0-9a-f]{8})-0000-4000-(8[0-9a-f]{3})-([0-9a-f]{12})$")


def hsds_id(kind: str, number: int, sub: int = 0) -> str:
    """The UUID of a record of this kind for our integer id (and a sub-id for per-provider rows)."""
    return f"{sub:08x}-0000-4000-{KINDS[kind]:04x}-{number:012x}"


def parse_hsds_id(kind: str, text: str) -> int | None:
    """Our integer id from a record's UUID, or None when it is not one of ours of that kind."""
    match = ID_PATTERN.match((text or "").strip().lower())
    if not match or int(match.group(2), 16) != KINDS[kind] or int(match.group(1), 16) != 0:
        return None
    number = int(match.group(3), 16)
    return number if 0 < number <= 2**62 else None
