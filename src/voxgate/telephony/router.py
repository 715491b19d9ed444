"""Every carrier's routes: one line per carrier."""

from fastapi import APIRouter

from voxgate.telephony.twilio.router import router as twilio

router = APIRouter(include_in_schema=False)  # carriers' callbacks are not part of Vapi's API
router.include_router(twilio)
