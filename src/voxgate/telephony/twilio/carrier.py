"""Twilio as the control plane's `Carrier` (control/call/carriers.py)."""

from voxgate.control.call.carriers import Document
from voxgate.telephony.twilio.numbers import connect_number
from voxgate.telephony.twilio.outbound import place_call


class TwilioCarrier:
    """Places outbound calls and imports numbers through Twilio's REST API."""

    async def dial(self, call_id: str, call: Document, number: Document) -> Document:
        return await place_call(call_id, call, number)

    async def import_number(self, number: Document) -> None:
        await connect_number(number)

    async def connect_credential(self, credential: Document) -> Document:
        return {}  # a Twilio number carries its own account's credentials
