"""A custom knowledge base (VAPI-BEHAVIOUR §5.2, §5.3, §9.1.2): with `model.knowledgeBase =
{provider: "custom-knowledge-base", server}`, each turn's context is shown to that server
(`knowledge-base-request`, always sent: it is the knowledge base's own server, not a
subscription) before the LLM answers. Its reply `{documents: [{content, similarity, uuid?}],
message?}`:

- `message` (a CustomMessage): spoken instead of the LLM's answer; the LLM is not asked;
- `documents`: their contents go to the LLM for this turn only, as one system message just
  before the caller's last message. The conversation itself does not keep them, so a later
  turn sees that turn's documents no more.

No reply (no server, a timeout, an error) leaves the turn as it was. Only the caller's turns
are looked up: a tool's result comes back to the LLM from downstream and is not a new question.
"""

import time
from typing import Any

from pipecat.frames.frames import Frame, LLMContextFrame, TTSSpeakFrame
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from voxgate.engine.conversation import Conversation
from voxgate.engine.providers.llm_common import system_prompt

CUSTOM_KNOWLEDGE_BASE = "custom-knowledge-base"
DOCUMENTS_HEADING = "Documents from the knowledge base that may help answer the caller:"


def knowledge_base_server(assistant: dict[str, Any]) -> dict[str, Any] | None:
    """The server of the assistant's custom knowledge base, or None."""
    model = assistant.get("model")
    found = model.get("knowledgeBase") if isinstance(model, dict) else None
    if not isinstance(found, dict) or found.get("provider") != CUSTOM_KNOWLEDGE_BASE:
        return None
    server = found.get("server")
    return server if isinstance(server, dict) and server.get("url") else None


def _spoken(message: Any) -> str | None:
    """The text of a CustomMessage: `content`, or the first of its `contents`."""
    if not isinstance(message, dict):
        return None
    text = message.get("content")
    contents = message.get("contents")
    if not text and isinstance(contents, list) and contents and isinstance(contents[0], dict):
        text = contents[0].get("text")
    return text.strip() or None if isinstance(text, str) else None


def _documents_message(documents: Any) -> dict[str, Any] | None:
    found = [
        d["content"].strip()
        for d in (documents if isinstance(documents, list) else [])
        if isinstance(d, dict) and isinstance(d.get("content"), str) and d["content"].strip()
    ]
    if not found:
        return None
    return {"role": "system", "content": "\n\n".join([DOCUMENTS_HEADING, *found])}


def _with_documents(context: LLMContext, documents: dict[str, Any]) -> LLMContext:
    """A copy of the context with the documents before the caller's last message."""
    messages = list(context.messages)
    last_user = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"),
        default=len(messages),
    )
    messages.insert(last_user, documents)  # type: ignore[arg-type]
    return LLMContext(messages=messages, tools=context.tools, tool_choice=context.tool_choice)


class KnowledgeBaseLookUp(FrameProcessor):
    """Sits before the LLM and asks the knowledge base's server about each caller's turn."""

    def __init__(self, assistant: dict[str, Any], conversation: Conversation) -> None:
        super().__init__()
        self._server = knowledge_base_server(assistant)
        self._prompt = system_prompt(assistant)
        self._conversation = conversation

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if (
            isinstance(frame, LLMContextFrame)
            and direction == FrameDirection.DOWNSTREAM
            and not frame.speculation
            and self._server is not None
        ):
            await self._look_up(frame, self._server)
        else:
            await self.push_frame(frame, direction)

    async def _look_up(self, frame: LLMContextFrame, server: dict[str, Any]) -> None:
        openai = self._openai_messages(frame.context)
        reply = await self._conversation.server.request(
            "knowledge-base-request", tool_server=server,
            messages=self._messages(openai), messagesOpenAIFormatted=openai,
        )  # fmt: skip
        reply = reply or {}
        spoken = _spoken(reply.get("message"))
        if spoken is not None:
            await self.push_frame(TTSSpeakFrame(spoken))
            return
        documents = _documents_message(reply.get("documents"))
        if documents is not None:
            frame = LLMContextFrame(context=_with_documents(frame.context, documents))
        await self.push_frame(frame)

    def _openai_messages(self, context: LLMContext) -> list[dict[str, Any]]:
        """The conversation as the LLM will see it, its system prompt first."""
        system = [{"role": "system", "content": self._prompt}] if self._prompt else []
        return system + [dict(m) for m in context.messages if isinstance(m, dict)]

    def _messages(self, openai: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The artifact's messages, with the caller's last words when they are not recorded
        yet (the turn is recorded as the context frame goes out, not before)."""
        messages = list(self._conversation.messages)
        asked = next((m.get("content") for m in reversed(openai) if m.get("role") == "user"), None)
        spoken = [m for m in messages if m["role"] in ("user", "bot")]
        recorded = spoken[-1] if spoken else None
        if isinstance(asked, str) and asked.strip() and (
            recorded is None or recorded["role"] != "user" or recorded["message"] != asked.strip()
        ):  # fmt: skip
            now = round(time.time() * 1000)
            since = round((now - self._conversation.started_ms) / 1000, 3)
            messages.append({"role": "user", "message": asked.strip(), "time": now,
                             "endTime": now, "secondsFromStart": since, "duration": 0})  # fmt: skip
        return messages
