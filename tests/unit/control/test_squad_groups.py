"""A `squad` handoff destination's members joining a call: names kept unique (a clash renamed
`<name> (<squad>)`, then numbered), their peers' destinations renamed with them, and the
destination's entry found by the name it has in its own squad."""

from voxgate.control.call.squad_groups import join_group
from voxgate.engine.squad import Member, Squad, squad_key


def to(name: str) -> dict[str, object]:
    return {"type": "assistant", "assistantName": name}


def test_clashing_names_are_renamed_with_the_destinations_naming_them() -> None:
    call = [Member("Desk", {}), Member("Desk (Hotel)", {})]
    tool = {"type": "handoff", "destinations": [to("Desk"), to("Ledger")]}
    sales = Member("Sales", {"model": {"tools": [tool]}}, destinations=[to("Desk")])
    destination = {"type": "squad", "squadId": "s-1", "entryAssistantName": "Desk"}
    key = squad_key(destination)

    joined = join_group(call, [Member("Desk", {}), sales], key, "Hotel")

    assert [m.name for m in joined] == ["Desk (Hotel 2)", "Sales"]
    assert [m.given_name for m in joined] == ["Desk", "Sales"]
    renamed = joined[1].assistant["model"]["tools"][0]["destinations"]
    assert renamed == [to("Desk (Hotel 2)"), to("Ledger")]
    assert joined[1].destinations == [to("Desk (Hotel 2)")]
    assert tool["destinations"] == [to("Desk"), to("Ledger")]  # the resolved one is copied

    squad = Squad([*call, *joined], declared=2)
    assert squad.for_destination(destination) is joined[0]
    assert squad.for_destination({**destination, "entryAssistantName": "Sales"}) is joined[1]
    assert squad.for_destination({**destination, "entryAssistantName": "Nobody"}) is None
    # Another squad (or other squadOverrides) is another group: not resolved, not reached.
    assert squad.for_destination({"type": "squad", "squadId": "s-2"}) is None
