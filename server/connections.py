"""Which sockets of this process belong to which account.

Only this process's sockets live here (Socket.IO needs the sid to enter rooms); whether an account is
connected anywhere is the presence table, shared by every process.
"""

from __future__ import annotations

from collections import defaultdict


class Connections:
    def __init__(self) -> None:
        self._by_sid: dict[str, int] = {}
        self._by_account: dict[int, set[str]] = defaultdict(set)
        # The token each socket authenticated with: revoking it ends exactly those sockets.
        self._token_of: dict[str, int] = {}

    def add(self, sid: str, account_id: int, token_id: int | None = None) -> None:
        self._by_sid[sid] = account_id
        self._by_account[account_id].add(sid)
        if token_id is not None:
            self._token_of[sid] = token_id

    def remove(self, sid: str) -> int | None:
        account_id = self._by_sid.pop(sid, None)
        self._token_of.pop(sid, None)
        if account_id is not None:
            sids = self._by_account.get(account_id)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del self._by_account[account_id]
        return account_id

    def account_of(self, sid: str) -> int | None:
        return self._by_sid.get(sid)

    def sids_of(self, account_id: int) -> list[str]:
        return list(self._by_account.get(account_id, ()))

    def token_ids(self) -> set[int]:
        return set(self._token_of.values())

    def sids_with_tokens(self, token_ids: set[int]) -> list[str]:
        return [sid for sid, tid in self._token_of.items() if tid in token_ids]

    def accounts(self) -> set[int]:
        return set(self._by_account)

    def all_sids(self) -> list[str]:
        return list(self._by_sid)

    def __len__(self) -> int:
        return len(self._by_sid)
