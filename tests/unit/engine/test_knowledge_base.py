"""The knowledge base's reply read as the LLM's turn needs it: which assistants have one, the
text a `message` speaks, the documents as one system message placed before the caller's last
words in a copy of the context."""

from typing import Any

from pipecat.processors.aggregators.llm_context import LLMContext

from voxgate.engine.knowledge_base import (
    DOCUMENTS_HEADING,
    _documents_message,
    _spoken,
    _with_documents,
    knowledge_base_server,
)


def assistant(base: Any) -> dict[str, Any]:
    return {"model": {"provider": "openai", "model": "gpt-4o", "knowledgeBase": base}}


def test_only_a_custom_knowledge_base_with_a_server_url_is_asked() -> None:
    server = {"url": "https://kb.example.com"}
    assert knowledge_base_server(assistant({"provider": "custom-knowledge-base",
                                            "server": server})) == server  # fmt: skip
    assert knowledge_base_server(assistant({"provider": "google", "server": server})) is None
    assert knowledge_base_server(assistant({"provider": "custom-knowledge-base"})) is None
    assert knowledge_base_server({"model": {"provider": "openai"}}) is None


def test_a_message_speaks_its_content_or_its_first_variant() -> None:
    assert _spoken({"type": "custom-message", "content": " Hold on. "}) == "Hold on."
    variants = [{"type": "text", "text": "Un instant.", "language": "fr"}]
    assert _spoken({"type": "custom-message", "contents": variants}) == "Un instant."
    assert _spoken({"type": "custom-message", "content": "  "}) is None
    assert _spoken(None) is None and _spoken("text") is None


def test_documents_become_one_system_message_without_the_empty_ones() -> None:
    documents = [
        {"content": "Breakfast at 7.", "similarity": 0.9},
        {"content": " "},
        {"similarity": 0.1},
        {"content": "Parking in the yard.", "similarity": 0.5},
    ]
    assert _documents_message(documents) == {
        "role": "system",
        "content": f"{DOCUMENTS_HEADING}\n\nBreakfast at 7.\n\nParking in the yard.",
    }
    assert _documents_message([]) is None and _documents_message("nothing") is None


def test_the_documents_go_before_the_last_user_message_of_a_copy() -> None:
    messages: list[Any] = [
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Breakfast?"},
    ]
    context = LLMContext(messages=list(messages))
    documents = {"role": "system", "content": "docs"}
    copied = _with_documents(context, documents)
    assert copied.messages == [messages[0], documents, messages[1]]
    assert context.messages == messages  # the conversation itself does not keep them
