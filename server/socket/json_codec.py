"""The JSON module python-socketio encodes with (its `json=` argument): orjson to write, the standard
library to read.

Writing is the hot half: every message goes out to each of a room's sockets, and orjson encodes several
times faster than `json`. Reading stays on `json` on purpose: it accepts what clients may send that orjson
refuses (integers past 64 bits, lone surrogates), so such input reaches our validation and is answered
`invalid` instead of failing the packet decode. Anything orjson cannot write falls back to `json` too.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS  # {room_id: [...]} maps: json writes int keys as strings, so do we


def dumps(obj: Any, **_: Any) -> str:
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, separators=(",", ":"))


def loads(text: str | bytes, **kwargs: Any) -> Any:
    return json.loads(text, **kwargs)
