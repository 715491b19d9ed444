"""`POST /chat`: who answers, what they are told, and the stored chat (VAPI-BEHAVIOUR §9.4).

The assistant is resolved as a call resolves it (`call/resolve.py`: saved or inline,
`assistantOverrides` applied) and its prompts rendered with the chat's variables
(`engine/variables.py`, `transport.conversationType` = `chat`). A chat that names no assistant
but a `previousChatId` continues with that chat's assistant and overrides. The conversation
the model gets is the previous chat's `messages` and `output`, then `input`; the system prompt
is the assistant's, as in a call. A chat naming a `sessionId` is answered by the session's
assistant with the session's overrides (the chat's own do not apply, as in Vapi), given the
session's messages, and appends its input and answer to them. Squads and SMS are refused with a
400 that says so.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.resolve import NoAssistant, resolve_assistant
from voxgate.control.chat.messages import as_messages, for_llm, stored
from voxgate.control.chat.server_messages import ChatServerMessages
from voxgate.control.crud import Document, Kind, Repository
from voxgate.control.session.service import append, open_session
from voxgate.db.base import new_id
from voxgate.db.models import Chat as ChatRow
from voxgate.engine.chat import TextTurn
from voxgate.engine.providers.registry import ProviderError
from voxgate.engine.variables import CallInfo, render_assistant, values_for
from voxgate.errors import BadRequest, NotFound
from voxgate.kit.time import iso, utcnow

NO_SOURCE = "Couldn't Get Assistant. Need Either `assistant`, `assistantId` Or `previousChatId`."
ONE_SOURCE = "Only one of `assistant` and `assistantId` may be set."
NO_SQUADS = "Chats with a squad are not supported by voxgate yet. Chat with an assistant."
SESSION_OR_PREVIOUS = "`sessionId` and `previousChatId` are mutually exclusive."
SESSION_HAS_ASSISTANT = (
    "A session has its own assistant: `assistant` and `assistantId` cannot be set with `sessionId`."
)
NO_SMS = "SMS chats (`transport`) are not supported by voxgate yet."

kind = Kind(
    ChatRow,
    "Chat",
    columns=lambda data: {
        "assistant_id": data.get("assistantId"),
        "squad_id": data.get("squadId"),
        "session_id": data.get("sessionId"),
        "previous_chat_id": data.get("previousChatId"),
    },
)


@dataclass
class PreparedChat:
    """A chat ready to run: its id, what will be stored, and the model's turn."""

    id: str
    record: Document
    turn: TextTurn
    session_id: str | None = None
    added: list[Document] = field(default_factory=list)  # to append to the session


def output_path(chat: PreparedChat) -> str:
    """Where a streamed piece of the answer goes: after the turn's tool calls and results."""
    return f"chat.output[{len(chat.turn.steps)}].content"


def _check_request(data: Document) -> None:
    if "squad" in data or "squadId" in data:
        raise BadRequest(NO_SQUADS)
    if "sessionId" in data and "previousChatId" in data:
        raise BadRequest(SESSION_OR_PREVIOUS)
    if "sessionId" in data and ("assistant" in data or "assistantId" in data):
        raise BadRequest(SESSION_HAS_ASSISTANT)
    if "transport" in data:
        raise BadRequest(NO_SMS)
    if "assistant" in data and "assistantId" in data:
        raise BadRequest(ONE_SOURCE)


async def _previous(session: AsyncSession, org_id: str, chat_id: str) -> Document:
    try:
        row = await Repository(session, kind, org_id).get(chat_id)
    except NotFound:
        # Another org's chat is as unknown as a made-up id.
        raise BadRequest(f"Couldn't Get Chat. `previousChatId` {chat_id} Does Not Exist.") from None
    data: Document = row.data
    return data


def _source(data: Document, previous: Document | None) -> Document:
    """Who answers: the request's assistant, else the previous chat's (with its overrides,
    unless the request brings its own)."""
    for origin in (data, previous or {}):
        for key in ("assistantId", "assistant"):
            if key in origin:
                overrides = data.get("assistantOverrides", origin.get("assistantOverrides"))
                return {
                    key: origin[key],
                    **({"assistantOverrides": overrides} if overrides else {}),
                }
    raise BadRequest(NO_SOURCE)


async def _assistant(session: AsyncSession, org_id: str, source: Document) -> Document:
    try:
        return await resolve_assistant(session, org_id, source)
    except NoAssistant:
        id = source.get("assistantId")
        raise BadRequest(f"Couldn't Get Assistant. `assistantId` {id} Does Not Exist.") from None


def _values(chat_id: str, source: Document) -> dict[str, Any]:
    variables = (source.get("assistantOverrides") or {}).get("variableValues")
    info = CallInfo(
        id=chat_id,
        type="chat",
        transport={"conversationType": "chat"},
        variable_values=variables if isinstance(variables, dict) else {},
    )
    return values_for(info)


async def _conversation(
    session: AsyncSession, org_id: str, data: Document
) -> tuple[Document, list[Document]]:
    """Who answers, and the messages before this chat's input."""
    if "sessionId" in data:
        kept = await open_session(session, org_id, data["sessionId"])
        if "assistant" not in kept and "assistantId" not in kept:
            raise BadRequest(f"Session {data['sessionId']} has no assistant to answer.")
        return _source(kept, None), list(kept.get("messages", []))
    if "previousChatId" in data:
        previous = await _previous(session, org_id, data["previousChatId"])
        history = [*previous.get("messages", []), *previous.get("output", [])]
        return _source(data, previous), history
    return _source(data, None), []


async def prepare_chat(session: AsyncSession, org_id: str, data: Document) -> PreparedChat:
    """Checks the request and builds the model's turn; raises `BadRequest` when it cannot run.
    It only reads, and leaves no transaction open."""
    _check_request(data)
    source, history = await _conversation(session, org_id, data)
    chat_id = new_id()
    values = _values(chat_id, source)
    assistant = render_assistant(await _assistant(session, org_id, source), values)
    now_ms = int(time.time() * 1000)
    added = [stored(m, now_ms) for m in as_messages(data["input"])]
    messages = [*history, *added]
    # A chat that continues another names its assistant too, so lists filter it alike.
    record = {**source, **data, "messages": messages}
    server = ChatServerMessages(org_id, _snapshot(chat_id, org_id, record), assistant)
    try:
        turn = TextTurn(assistant, [for_llm(m) for m in messages], server=server, values=values)
    except ProviderError as error:
        raise BadRequest(str(error)) from None
    # Only reads so far: end the transaction, so none is held through the model's turn. On
    # SQLite each one holds the write lock from its start (db/session.py), and a tool's
    # server message could not be recorded until the chat is stored (nor could anyone else's).
    await session.rollback()
    return PreparedChat(chat_id, record, turn, data.get("sessionId"), added)


def _snapshot(chat_id: str, org_id: str, record: Document) -> Document:
    """The chat as its tools' server messages show it: not stored yet, so created now."""
    now = iso(utcnow())
    return {"id": chat_id, "orgId": org_id, "createdAt": now, "updatedAt": now, **record}


async def store_chat(
    session: AsyncSession, org_id: str, chat: PreparedChat, answer: str
) -> ChatRow:
    # The tool calls and results of the answer, then the answer (OpenAI's form, as Vapi's).
    output: list[dict[str, Any]] = [*chat.turn.steps, {"role": "assistant", "content": answer}]
    record = {**chat.record, "output": output, "cost": 0, "costs": []}
    if chat.session_id is not None:
        await append(session, org_id, chat.session_id, [*chat.added, *output])
    return await Repository(session, kind, org_id).create(record, id=chat.id)
