"""Role grants kept in the process, keyed by a counter the database bumps on every change.

Role grants (and the cluster names they carry) change rarely and are needed on every update.
`role_epoch.epoch` is bumped by triggers (migration 0021_role_epoch) on any insert, update or
delete of role_grants and on a cluster renamed or removed, whichever path writes: the chat,
the CLI, an import, plain SQL. Admission reads the epoch in the statement that loads the
sender (no extra statement) and uses the cached grants only when they were read at that
epoch or later; otherwise it reads them and keeps them. Several instances stay correct
because the epoch is read from the database on every update.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from db.models import RoleEpoch

# Enough for every active chair and member of a large installation; the oldest entries go first.
MAX_ENTRIES = 50_000


def role_epoch() -> Any:
    """The current epoch as a scalar subquery (NULL when the row is missing: nothing cached)."""
    return select(RoleEpoch.epoch).where(RoleEpoch.id == 1).scalar_subquery().label("role_epoch")


class RoleCache:
    """telegram user id -> (epoch read at, the user's role scopes)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[int, tuple[int, tuple[Any, ...]]] = OrderedDict()
        self._max = max_entries

    def get(self, telegram_user_id: int, epoch: int | None) -> tuple[Any, ...] | None:
        if epoch is None:
            return None
        entry = self._entries.get(telegram_user_id)
        if entry is None or entry[0] != epoch:
            return None
        return entry[1]

    def put(self, telegram_user_id: int, epoch: int | None, roles: tuple[Any, ...]) -> None:
        if epoch is None:
            return
        self._entries[telegram_user_id] = (epoch, roles)
        self._entries.move_to_end(telegram_user_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
