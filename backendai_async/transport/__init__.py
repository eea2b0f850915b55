"""The request pipeline and the layers under it.

``pipeline`` (negotiate → prepare → attempts) uses ``http`` (aiohttp sessions, one attempt,
aiohttp's exceptions mapped), ``retry`` (the policy, pure), ``scope`` (abort and close of a
call), ``call_options`` (per-call options checked once), ``stream_response`` (streamed
bodies whose reads raise SDK errors), ``clock`` (the signed date, corrected for skew) and ``log``
(the log lines).
"""

from .clock import Clock
from .pipeline import Transport
from .request import Body, Params, ParseMode, Response, ServerInfo, Target
from .stream_response import StreamPart, StreamResponse

__all__ = [
    "Body",
    "Clock",
    "Params",
    "ParseMode",
    "Response",
    "ServerInfo",
    "StreamPart",
    "StreamResponse",
    "Target",
    "Transport",
]
