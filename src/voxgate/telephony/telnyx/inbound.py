"""A call to an imported Telnyx number: the `call.initiated` (direction `incoming`) Telnyx sends
to voxgate's Call Control Application (numbers.py assigned the number to it).

The number is found by the call's `to` and the application (`connection_id`) it came through,
and the event must carry Telnyx's signature checked with that account's public key before
anything is written (a forged one is a 403). A call control id already stored is a replay: 409,
nothing touched. Then the call is stored and routed as every carrier's is
(telephony/inbound.py), and its `Answer` sent as a call-control command: `answer` with the
media stream (its later events go to the call's own route), `transfer` to the fallback, or
`hangup`. A command Telnyx refuses ends the call
(`call.in-progress.error-sip-inbound-call-failed-to-connect`).
"""

from typing import Any

import structlog
from fastapi import Request

from voxgate.control.call.carriers import CarrierError
from voxgate.control.call.unrun import end_unrun
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, NotFound
from voxgate.telephony.inbound import answer
from voxgate.telephony.telnyx import signature
from voxgate.telephony.telnyx.calls import number_of_application
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.stream import transfer_body
from voxgate.telephony.telnyx.urls import streaming

log = structlog.get_logger()
UNKNOWN_NUMBER = "No Telnyx number of this application is imported into voxgate."
NOT_ANSWERED = "call.in-progress.error-sip-inbound-call-failed-to-connect"


async def answer_call(request: Request, raw: bytes, payload: dict[str, Any]) -> None:
    to, application = str(payload.get("to", "")), str(payload.get("connection_id", ""))
    async with get_sessionmaker()() as session:
        found = await number_of_application(session, to, application)
        if found is None:
            raise NotFound(UNKNOWN_NUMBER)
        number, credential = found
        signature.check(dict(request.headers), raw, credential.get("publicKey"))
        call_control_id = payload.get("call_control_id")
        if not isinstance(call_control_id, str) or not call_control_id:
            raise BadRequest("call_control_id is missing.")
        caller = str(payload.get("from", ""))
        answered = await answer(session, number, "telnyx", call_control_id, caller)
        await session.commit()
    rest = TelnyxRest(str(credential.get("apiKey")))
    try:
        if answered.stream:
            await rest.command(call_control_id, "answer", streaming(answered.call_id))
        elif answered.fallback:
            await rest.command(call_control_id, "transfer", transfer_body(answered.fallback))
        else:
            await rest.hang_up(call_control_id)
    except CarrierError as error:
        log.warning("Telnyx refused to answer a call", call_id=answered.call_id, error=str(error))
        await end_unrun(answered.call_id, NOT_ANSWERED)
