"""`POST /call`: the rules of VAPI-BEHAVIOUR §3.1, then a `queued` websocket call, or phone
calls (outbound.py: dialed through the number's carrier, or `scheduled`).

What is stored is the echo of the request plus what the server adds: `type`, `status`, `cost`,
`monitor.{listenUrl,controlUrl}` and the websocket transport with `audioFormat` (Vapi's default
when unsaid) and `websocketCallUrl`. The assistant is *not* resolved into the record: a call
names its assistant as the client did (`assistantId` or `assistant`, plus `assistantOverrides`;
or a squad), as Vapi's Call does, and the engine resolves it when the client connects. Only a
saved assistant's `monitorPlan` is read now, because it decides which monitor URLs exist.

The assistant is resolved once, though, to refuse with a 400 a call this server could not run
(a provider it does not serve, a missing key or package: `registry.check`; a `model.toolIds`
entry that names no tool of the org), instead of letting it end at connect. A squad's call
checks every assistant it may become (its members with their overrides, and its handoff
destinations' own: `squad.py`), naming the one that cannot run.

A call that names no assistant or squad is taken when a server would be asked for one (its
phone number's, else the org's): at connect the server gets
`assistant-request` (control/call/assistant_request.py). Without one it is Vapi's 400.
"""

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.config import get_settings
from voxgate.control.call.concurrency import check_concurrency
from voxgate.control.call.outbound import create_phone_calls
from voxgate.control.call.phone import shown
from voxgate.control.call.phone_number import number_server
from voxgate.control.call.progress import columns
from voxgate.control.call.resolve import NoAssistant
from voxgate.control.call.squad import resolve_squad
from voxgate.control.call.stored_tools import missing_tools
from voxgate.control.crud import Document, Kind, Repository, render_envelope
from voxgate.control.drain import drain
from voxgate.control.squad.service import check_squad
from voxgate.db.base import new_id
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.models import Call as CallRow
from voxgate.db.models import Org
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.models import Squad as SquadRow
from voxgate.engine.builder import with_defaults
from voxgate.engine.providers.registry import ProviderError, check
from voxgate.errors import BadRequest, NotFound
from voxgate.wire import call_urls
from voxgate.wire.transport import DEFAULT_AUDIO_FORMAT, WEBSOCKET

NO_SOURCE = "Couldn't Get Assistant. Need Either `assistant`, `assistantId`, `squad`, Or `squadId`."
NO_PHONE_NUMBER = "Couldn't Get Phone Number. Need Either `phoneNumberId` Or `phoneNumber`."
BATCH_ON_WEBSOCKET = (
    "`customers` (a batch of phone calls) cannot be used with the `vapi.websocket` transport."
)
NO_WORKFLOWS = (
    "Workflows are not supported by voxgate. Start the call with `assistant`, `assistantId`, "
    "`squad` or `squadId`."
)
ONE_SOURCE = "Only one of `assistant`, `assistantId`, `squad` and `squadId` may be set."
NUMBER_ON_WEBSOCKET = (
    "`phoneNumberId` and `phoneNumber` cannot be used with the `vapi.websocket` transport."
)
ONE_CUSTOMER_FIELD = "Only one of `customer` and `customers` may be set."
NO_WEB_CALLS = "Web calls (`transport.provider` `daily`) are not supported by voxgate."

SOURCES = ("assistant", "assistantId", "squad", "squadId")
WORKFLOW = ("workflow", "workflowId", "workflowOverrides")

kind = Kind(
    CallRow,
    "Call",
    columns=columns,
    render=lambda row: shown(render_envelope(row)),
)
_assistants = Kind(AssistantRow, "Assistant")
_squads = Kind(SquadRow, "Squad")


def check_request(data: Document, *, server_asked: bool = False) -> None:
    """Who talks, then how: over a websocket, or a phone call from a number (phone.py checks
    the number and the customer). `server_asked`: a server would be sent `assistant-request`,
    so the call may name no assistant."""
    if any(key in data for key in WORKFLOW):
        raise BadRequest(NO_WORKFLOWS)
    sources = [key for key in SOURCES if key in data]
    if not sources and not server_asked:
        raise BadRequest(NO_SOURCE)
    if len(sources) > 1:
        raise BadRequest(ONE_SOURCE)
    provider = data.get("transport", {}).get("provider")
    has_number = "phoneNumberId" in data or "phoneNumber" in data
    if provider == WEBSOCKET:
        if has_number or "customers" in data:
            raise BadRequest(NUMBER_ON_WEBSOCKET if has_number else BATCH_ON_WEBSOCKET)
        return
    if provider == "daily":
        raise BadRequest(NO_WEB_CALLS)
    # No websocket: a phone call, which needs a number to call from.
    if not has_number:
        raise BadRequest(NO_PHONE_NUMBER)
    if "customer" in data and "customers" in data:
        raise BadRequest(ONE_CUSTOMER_FIELD)


async def _saved(session: AsyncSession, kind: Kind[Any], org_id: str, id: str) -> Document:
    try:
        row = await Repository(session, kind, org_id).get(id)
    except NotFound:
        # Another org's id is as unknown as a made-up one.
        noun, field = kind.noun, f"{kind.noun.lower()}Id"
        raise BadRequest(f"Couldn't Get {noun}. `{field}` {id} Does Not Exist.") from None
    data: Document = row.data
    return data


async def _monitor_plan(session: AsyncSession, org_id: str, data: Document) -> dict[str, Any]:
    """Checks the named assistant or squad, and returns the monitorPlan in force."""
    if "assistantId" in data:
        base = (await _saved(session, _assistants, org_id, data["assistantId"])).get("monitorPlan")
        overrides = data.get("assistantOverrides", {})
    elif "assistant" in data:
        base, overrides = data["assistant"].get("monitorPlan"), data.get("assistantOverrides", {})
    elif not any(key in data for key in SOURCES):
        return {}  # the assistant comes from the server's reply: its plan is not known yet
    else:
        # A squad's members may differ; only `squadOverrides` applies to the whole call.
        if "squadId" in data:
            await _saved(session, _squads, org_id, data["squadId"])
        else:
            await _check_inline_squad(session, org_id, data["squad"])
        base, overrides = None, data.get("squadOverrides", {})
    return {**(base or {}), **(overrides.get("monitorPlan") or {})}


async def _check_inline_squad(session: AsyncSession, org_id: str, squad: Document) -> None:
    try:
        await check_squad(session, org_id, squad)
    except BadRequest as error:
        found = [error.message] if isinstance(error.message, str) else error.message
        raise BadRequest([f"squad.{message}" for message in found]) from None


async def _check_runnable(session: AsyncSession, org_id: str, data: Document) -> None:
    """Every assistant the call may become, as it would run (with the server's default
    transcriber and voice): its services are built (no vendor is contacted) and any that cannot
    be is a 400 naming it (the call's own assistant needs no name)."""
    try:
        squad = await resolve_squad(session, org_id, data)
    except NoAssistant as error:
        raise BadRequest(str(error)) from None
    for index, member in enumerate(squad.members):
        named = ""
        if index >= squad.declared:
            named = f"handoff destination {member.name}: "
        elif "squad" in data or "squadId" in data:
            named = f"squad member {member.name}: "
        try:
            await check(with_defaults(member.assistant))
        except ProviderError as error:
            raise BadRequest(f"{named}{error}") from None
        # Another org's tool is as unknown as a made-up one (as for `assistantId`).
        if missing := await missing_tools(session, org_id, member.assistant):
            ids = ", ".join(missing)
            raise BadRequest(f"{named}Couldn't Get Tool. `toolIds` {ids} Does Not Exist.")


def monitor_fields(call_id: str, plan: dict[str, Any]) -> Document:
    """`monitor`'s URLs, as the monitorPlan allows (none: no `monitor`)."""
    public_url = get_settings().public_url
    monitor = {}
    if plan.get("listenEnabled", True) is not False:
        monitor["listenUrl"] = call_urls.listen_url(public_url, call_id)
    if plan.get("controlEnabled", True) is not False:
        monitor["controlUrl"] = call_urls.control_url(public_url, call_id)
    return {"monitor": monitor} if monitor else {}


def _server_fields(call_id: str, data: Document, plan: dict[str, Any]) -> Document:
    public_url = get_settings().public_url
    transport = {
        **data["transport"],
        "audioFormat": data["transport"].get("audioFormat", DEFAULT_AUDIO_FORMAT),
        # Ours to set: a URL the client sent is replaced, never trusted.
        "websocketCallUrl": call_urls.websocket_call_url(public_url, call_id),
    }
    fields: Document = {"type": "vapi.websocketCall", "status": "queued", "cost": 0}
    return {**fields, "transport": transport, **monitor_fields(call_id, plan)}


async def _server_to_ask(session: AsyncSession, org_id: str, data: Document) -> bool:
    """Whether `assistant-request` would reach a server: the call's phone number's, or the
    org's (a websocket call has no number)."""
    number = data.get("phoneNumber")
    if isinstance(data.get("phoneNumberId"), str):
        row = await session.get(PhoneNumberRow, data["phoneNumberId"])
        number = row.data if row is not None and row.org_id == org_id else None
    if isinstance(number, dict) and (number_server(number) or {}).get("url"):
        return True
    return await org_has_server(session, org_id)


async def org_has_server(session: AsyncSession, org_id: str) -> bool:
    """Whether the org has a server URL (the last step of the target precedence)."""
    server = await session.scalar(select(Org.server).where(Org.id == org_id))
    return isinstance(server, dict) and bool(server.get("url"))


async def check_source(session: AsyncSession, org_id: str, data: Document) -> dict[str, Any]:
    """Who talks, checked as the call would run it: the saved assistant or squad exists, an
    inline squad is valid, an assistant can run here (a 400 otherwise). Returns the
    monitorPlan in force."""
    plan = await _monitor_plan(session, org_id, data)
    if any(key in data for key in SOURCES):
        await _check_runnable(session, org_id, data)
    return plan


async def create_call(session: AsyncSession, org_id: str, data: Document) -> Document:
    """The created call, rendered; a batch of phone calls (`customers`) answers
    `CallBatchResponse` (outbound.py). A process shutting down refuses it (503), and so does an
    org at its concurrent-call limit (429, concurrency.py): every way a call starts comes here."""
    drain.refuse_new_calls()
    named = any(key in data for key in SOURCES)
    check_request(data, server_asked=not named and await _server_to_ask(session, org_id, data))
    plan = await check_source(session, org_id, data)
    await check_concurrency(session, org_id)  # last: its lock is held until the commit
    repo = Repository(session, kind, org_id)
    if data.get("transport", {}).get("provider") != WEBSOCKET:
        return await create_phone_calls(repo, data, partial(monitor_fields, plan=plan))
    call_id = new_id()
    record = {**data, **_server_fields(call_id, data, plan)}
    return kind.render(await repo.create(record, id=call_id))
