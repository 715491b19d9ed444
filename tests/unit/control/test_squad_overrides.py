"""A squad member's assistant: its own `assistantOverrides`, then the squad's
`membersOverrides`, then the call's `squadOverrides` (later layers win)."""

from voxgate.control.call.squad import layer_member


def test_overrides_are_laid_member_then_squad_then_call() -> None:
    base = {
        "name": "Billing",
        "firstMessage": "Base.",
        "voice": {"provider": "cartesia", "voiceId": "base", "model": "sonic-2"},
        "model": {"provider": "openai", "model": "gpt-4o", "tools": [{"type": "endCall"}]},
    }
    member = {
        "assistantOverrides": {
            "firstMessage": "Member.",
            "voice": {"voiceId": "member"},
            "endCallMessage": "Member goodbye.",
            "variableValues": {"who": "member", "member_only": 1},
            "tools:append": [{"type": "handoff", "destinations": []}],
        }
    }
    squad = {
        "membersOverrides": {
            "firstMessage": "Squad.",
            "variableValues": {"who": "squad", "squad_only": 2},
        }
    }
    call = {"firstMessage": "Call.", "variableValues": {"who": "call"}}

    assistant, values = layer_member(base, member, squad, call)

    assert assistant["firstMessage"] == "Call."  # the call's squadOverrides last
    assert assistant["endCallMessage"] == "Member goodbye."  # untouched by later layers
    assert assistant["voice"] == {"provider": "cartesia", "voiceId": "member", "model": "sonic-2"}
    assert [t["type"] for t in assistant["model"]["tools"]] == ["endCall", "handoff"]
    assert "variableValues" not in assistant
    assert values == {"who": "call", "member_only": 1, "squad_only": 2}


def test_without_overrides_the_assistant_is_as_saved() -> None:
    base = {"name": "Front desk", "firstMessage": "Hello."}
    assert layer_member(base, {}, {}, None) == (base, {})
