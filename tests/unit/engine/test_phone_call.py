"""A phone call's transfer without a carrier: what the carrier is handed and what is stored."""

from typing import Any

from voxgate.engine.conversation import Conversation
from voxgate.engine.phone_call import FORWARDED, PhoneCall

DESK = {"type": "number", "number": "+14155550100"}


class Sink:
    async def send_text(self, text: str) -> None:
        pass


class Line:
    """The carrier's leg: keeps each destination it was asked to dial."""

    whispers = True

    def __init__(self) -> None:
        self.dialled: list[dict[str, Any]] = []

    async def transfer(self, destination: dict[str, Any]) -> None:
        self.dialled.append(destination)


class Store:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    async def update(self, changes: dict[str, Any]) -> None:
        self.updates.append(changes)


async def forwarded(destination: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Forwards a call from +15550100 on the number +15550199; returns what the carrier dialled
    and what was stored."""
    line, store, ended = Line(), Store(), []
    conversation = Conversation(Sink(), None)
    conversation.variable_values = {
        "customer": {"number": "+15550100"}, "phoneNumber": {"number": "+15550199"},
    }  # fmt: skip

    async def end(reason: str) -> None:
        ended.append(reason)

    phone = PhoneCall(line, store, conversation, end, lambda: None)  # type: ignore[arg-type]
    assert await phone.forward(destination, "") is None and ended == [FORWARDED]
    [dialled] = line.dialled
    return dialled, store.updates


async def test_a_caller_id_template_is_dialled_and_stored_rendered() -> None:
    dialled, updates = await forwarded({**DESK, "callerId": "{{ customer.number }}"})
    assert dialled == {**DESK, "callerId": "+15550100"}
    assert {"destination": dialled} in updates
    dialled, _updates = await forwarded({**DESK, "callerId": "{{phoneNumber.number}}"})
    assert dialled["callerId"] == "+15550199"


async def test_a_plain_missing_or_empty_caller_id_is_left_to_the_carrier() -> None:
    assert (await forwarded({**DESK, "callerId": "+15550111"}))[0]["callerId"] == "+15550111"
    assert (await forwarded(DESK))[0] == DESK
    dialled, _updates = await forwarded({**DESK, "callerId": "{{ customer.extension }}"})
    assert not dialled["callerId"]  # the carriers' default: the call's own number


async def test_a_warm_transfers_message_is_dialled_and_stored_rendered_as_words() -> None:
    plan = {"mode": "warm-transfer-say-message", "message": "From {{customer.number}}."}
    dialled, updates = await forwarded({**DESK, "transferPlan": plan})
    assert dialled["transferPlan"] == {**plan, "message": "From +15550100."}
    assert {"destination": dialled} in updates  # the whisper is made from what is stored
    message = {"type": "custom-message", "content": "Caller {{ phoneNumber.number }}"}
    dialled, _updates = await forwarded({**DESK, "transferPlan": {**plan, "message": message}})
    assert dialled["transferPlan"]["message"] == "Caller +15550199"
    timeout_only = {"timeout": 20}
    assert (await forwarded({**DESK, "transferPlan": timeout_only}))[0]["transferPlan"] == {
        "timeout": 20
    }


async def test_a_summary_mode_without_a_summary_keeps_the_plans_message() -> None:
    # No LLM to ask (the assistant has no model): the destination hears the message instead.
    plan = {"mode": "warm-transfer-say-summary", "message": "A caller."}
    dialled, _updates = await forwarded({**DESK, "transferPlan": plan})
    assert dialled["transferPlan"] == plan
