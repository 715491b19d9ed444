"""Every carrier: its routes and its `Carrier` (placing outbound calls). One line per carrier."""

from fastapi import APIRouter

from voxgate.control.call.carriers import Carrier
from voxgate.telephony.telnyx.carrier import TelnyxCarrier
from voxgate.telephony.telnyx.router import router as telnyx
from voxgate.telephony.twilio.carrier import TwilioCarrier
from voxgate.telephony.twilio.router import router as twilio
from voxgate.telephony.vonage.carrier import VonageCarrier
from voxgate.telephony.vonage.router import router as vonage

router = APIRouter(include_in_schema=False)  # carriers' callbacks are not part of Vapi's API
router.include_router(twilio)
router.include_router(vonage)
router.include_router(telnyx)

CARRIERS: dict[str, Carrier] = {  # by phone number `provider`
    "twilio": TwilioCarrier(),
    "vonage": VonageCarrier(),
    "telnyx": TelnyxCarrier(),
}
