"""A warm transfer's whisper (twiml.py): the TwiML Twilio fetches once the destination answers,
run on the destination's leg before the caller is bridged. It is made from the call's stored
`destination` (phone_call.py stores it, its words rendered, once Twilio has taken the transfer:
well before the destination has rung and answered), so any process can answer it; none stored
yet, or nothing to say, answers an empty `<Response>`: the caller is bridged at once.

Checked like every Twilio callback of the call (status.py: the signature, or the call's URL
token). The request is about the destination's leg, a child of the call: its CallSid is the
child's, and its `ParentCallSid`, when Twilio sends it, must be the call's.
"""

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import VoiceResponse

from voxgate.errors import Forbidden
from voxgate.telephony.twilio.status import signed_form
from voxgate.telephony.twilio.twiml import WHISPER_PATH, whisper_twiml

router = APIRouter()


@router.post(WHISPER_PATH)
async def whisper(id: str, request: Request) -> Response:
    row, form = await signed_form(request, id, same_call=False)
    known, parent = row.data.get("phoneCallProviderId"), form.get("ParentCallSid")
    if known and parent and parent != known:
        raise Forbidden("The callback is about another Twilio call.")
    destination = row.data.get("destination")
    said = None
    if isinstance(destination, dict):
        try:  # checked when the transfer began; a refusal now leaves the bridge plain
            said = whisper_twiml(destination, spoke=bool(form.get("SpeechResult")))
        except ValueError:
            said = None
    return Response(said or str(VoiceResponse()), media_type="application/xml")
