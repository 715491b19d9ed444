"""Telnyx as the control plane's `Carrier` (control/call/carriers.py)."""

from voxgate.control.call.carriers import Document
from voxgate.telephony.telnyx.numbers import connect_account, connect_number
from voxgate.telephony.telnyx.outbound import place_call


class TelnyxCarrier:
    """Places outbound calls, imports numbers and connects accounts through Telnyx's call
    control API."""

    async def dial(self, call_id: str, call: Document, number: Document) -> Document:
        return await place_call(call_id, call, number)

    async def import_number(self, number: Document) -> None:
        await connect_number(number)

    async def connect_credential(self, credential: Document) -> Document:
        return await connect_account(credential)
