"""Placing an outbound call through Twilio (being written: the `outbound` branch)."""

from voxgate.control.call.carriers import Document


async def place_call(call_id: str, call: Document, number: Document) -> Document:
    raise NotImplementedError
