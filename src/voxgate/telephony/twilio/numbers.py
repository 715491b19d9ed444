"""Importing a Twilio number (being written: the `inbound` branch)."""

from voxgate.control.call.carriers import Document


async def connect_number(number: Document) -> None:
    raise NotImplementedError
