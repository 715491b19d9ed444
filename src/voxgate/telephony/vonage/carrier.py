"""Vonage as the control plane's `Carrier` (control/call/carriers.py)."""

from voxgate.control.call.carriers import Document
from voxgate.telephony.vonage.application import connect_credential
from voxgate.telephony.vonage.numbers import connect_number
from voxgate.telephony.vonage.outbound import place_call


class VonageCarrier:
    """Makes the account's application, imports numbers and places calls through Vonage."""

    async def dial(self, call_id: str, call: Document, number: Document) -> Document:
        return await place_call(call_id, call, number)

    async def import_number(self, number: Document) -> None:
        await connect_number(number)

    async def connect_credential(self, credential: Document) -> Document:
        return await connect_credential(credential)
