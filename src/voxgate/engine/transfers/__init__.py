"""Transfers and handoffs that leave the call's pipeline running (VAPI-BEHAVIOUR §7.2.5, §8):
which destination the LLM named, what is said first, what history the next assistant sees,
and what a webhook server answered when asked for a destination."""
