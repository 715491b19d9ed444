"""Chats need an LLM and no audio: the e2e fakes (OpenAI-compatible and Anthropic, on loopback)."""

from tests.e2e.conftest import anthropic, fake_anthropic, fake_llm, llm

__all__ = ["anthropic", "fake_anthropic", "fake_llm", "llm"]
