"""Chats in a session need an LLM: the e2e fake on loopback."""

from tests.e2e.conftest import fake_llm, llm

__all__ = ["fake_llm", "llm"]
