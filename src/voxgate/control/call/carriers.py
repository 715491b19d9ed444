"""How the control plane reaches the phone network without importing telephony/ (which imports
control/): each carrier is a `Carrier` under its phone number `provider`, registered by app.py
from telephony/router.py's `CARRIERS`. `POST /call` dials through it; `POST /phone-number`
imports a number through it; `POST /credential` checks a carrier account through it.

A number whose carrier account is a stored credential (`credentialId`: Telnyx, Vonage) reaches
its carrier with that credential's document under `"credential"` (control/credential/service.py
`attach`), never stored there."""

from typing import Any, Protocol

from voxgate.errors import BadGateway, BadRequest, VoxgateError

Document = dict[str, Any]


class CarrierError(Exception):
    """The carrier refused a request or could not be reached. `status` is the HTTP status it
    answered (None when it was not reached); the message is the carrier's own words."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Carrier(Protocol):
    async def dial(self, call_id: str, call: Document, number: Document) -> Document:
        """Places the stored outbound call `call_id` (its document `call`) from `number` (the
        phone number, secrets included) to `call["customer"]`; returns the fields to store on
        the call (`phoneCallProviderId`…). Raises `CarrierError` when the carrier refuses."""
        ...

    async def import_number(self, number: Document) -> None:
        """Checks that the carrier account holds `number` (its credentials, `number`) and
        points the number's inbound calls at voxgate. Raises `CarrierError` when it cannot."""
        ...

    async def connect_credential(self, credential: Document) -> Document:
        """Checks a stored credential of this carrier (`POST /credential`, a PATCH changing
        it) and returns the fields the server sets on it (an application made for voxgate's
        calls, say). Raises `CarrierError` when the carrier refuses it."""
        ...


def refused(error: CarrierError) -> VoxgateError:
    """The answer to a client whose request a carrier refused: its 4xx is the client's mistake
    (a 400 in the carrier's words); no answer, or a 5xx, is the carrier's (a 502)."""
    if error.status is not None and 400 <= error.status < 500:
        return BadRequest(str(error))
    return BadGateway(str(error))


CARRIERS: dict[str, Carrier] = {}  # by phone number `provider`


def register(carriers: dict[str, Carrier]) -> None:
    CARRIERS.update(carriers)
