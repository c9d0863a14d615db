"""Notices to other people leave through the outbox, written in the acting transaction.

A notice is "first in line": the sender takes it ahead of a big announcement in the same rate
budget, and a 429, 5xx or timeout only delays it (see bot/outbox.py). Its dedupe key makes the
action that creates it safe to repeat: a second attempt finds the row already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.messages import Payload, split_payload
from db.uow import UnitOfWork


@dataclass(frozen=True)
class Notice:
    kind: str
    dedupe_key: str
    chat_id: int
    payload: Payload
    member_id: int | None = None
    not_before: datetime | None = None
    # A notice with a member's data (name, phone) for those who manage this cluster: sent only
    # if the recipient still does when it leaves (reader_still_allowed), not just when queued.
    reader_of: int | None = None


READER_OF = "reader_of"


async def reader_still_allowed(uow: UnitOfWork, chat_id: int, payload: dict[str, Any]) -> bool:
    """At send time: a notice marked `reader_of` a cluster goes only to someone who, with the
    roles they hold now, still manages it (a chair revoked meanwhile gets nothing)."""
    cluster_id = payload.get(READER_OF)
    if cluster_id is None:
        return True
    from bot.services.actors import resolve_actor
    from bot.services.converters import cluster_info

    cluster = await uow.clusters.get(int(cluster_id))
    if cluster is None:
        return False
    reader, _ = await resolve_actor(uow, chat_id)
    return reader.can_manage(cluster_info(cluster))


def one_row_per_message(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Delivery rows whose text is longer than a message become one row per piece (cut by
    bot.text_limits), in order: each piece is sent, retried and recorded on its own, so a retry
    after a failure never sends again a piece that arrived. Later pieces' keys add ':2', ':3'."""
    out = []
    for row in rows:
        pieces = split_payload(Payload.from_json(row["payload"]))
        if len(pieces) == 1:
            out.append(row)
            continue
        for n, piece in enumerate(pieces, 1):
            key = row["dedupe_key"] if n == 1 else f"{row['dedupe_key']}:{n}"
            # What the stored payload carries beside the message (reader_of) stays on each piece.
            out.append({**row, "dedupe_key": key, "payload": {**row["payload"], **piece.to_json()}})
    return out


async def enqueue(uow: UnitOfWork, notices: list[Notice], now: datetime, *, first_in_line: bool = True) -> int:
    """Write the notices not yet written (by dedupe key); returns how many were added. The unique
    key decides, so two transactions queueing the same notice add it once and neither fails."""
    if not notices:
        return 0
    rows = [
        {
            "kind": n.kind,
            "dedupe_key": n.dedupe_key,
            "announcement_id": None,
            "member_id": n.member_id,
            "chat_id": n.chat_id,
            "payload": {**n.payload.to_json(), **({READER_OF: n.reader_of} if n.reader_of is not None else {})},
            "status": "pending",
            "attempts": 0,
            "first_in_line": first_in_line,
            "not_before": n.not_before or now,
            "created_at": now,
        }
        for n in notices
    ]
    return await uow.deliveries.add_new(one_row_per_message(rows))
