"""Liquid variables in an assistant's texts: built-ins, the client's values, broken templates."""

import datetime as dt

from voxgate.engine.variables import CallInfo, built_ins, render_assistant, values_for

CALL = CallInfo(id="call-1", customer={"name": "Ann", "number": "+15550100"},
                variable_values={"hotel": "The Grand"})  # fmt: skip


def test_built_ins_use_vapis_formats() -> None:
    moment = dt.datetime(2024, 1, 5, 9, 7, tzinfo=dt.UTC)
    values = built_ins(CALL, moment)
    assert values["now"] == "Jan 5, 2024 9:07 AM"
    assert (values["date"], values["time"]) == ("Jan 5, 2024", "9:07 AM")
    assert (values["year"], values["month"], values["day"]) == ("2024", "January", "5")
    assert values["call"] == {"id": "call-1", "type": "vapi.websocketCall"}


def test_texts_are_rendered_and_the_rest_is_left_alone() -> None:
    assistant = {
        "firstMessage": "Welcome to {{ hotel }}, {{ customer.name }}.",
        "endCallMessage": "Goodbye{% if customer.name %} {{ customer.name }}{% endif %}.",
        "voicemailMessage": "Call {{ hotel | upcase }} back.",
        "model": {"provider": "openai", "messages": [
            {"role": "system", "content": "Call {{ call.id }}; unknown: [{{ nobody }}]"}]},
        "name": "{{ hotel }}",
    }  # fmt: skip
    rendered = render_assistant(assistant, values_for(CALL))
    assert rendered["firstMessage"] == "Welcome to The Grand, Ann."
    assert rendered["endCallMessage"] == "Goodbye Ann."
    assert rendered["voicemailMessage"] == "Call THE GRAND back."
    assert rendered["model"]["messages"][0]["content"] == "Call call-1; unknown: []"
    assert rendered["name"] == "{{ hotel }}"  # not a spoken or prompt text
    assert assistant["firstMessage"].startswith("Welcome to {{")  # the input is not changed


def test_a_broken_template_is_left_as_written_and_the_others_still_render() -> None:
    assistant = {"firstMessage": "Hi {{ customer.name ", "endCallMessage": "Bye {{ x | nope }}",
                 "voicemailMessage": "For {{ customer.name }}"}  # fmt: skip
    rendered = render_assistant(assistant, values_for(CALL))
    assert rendered["firstMessage"] == "Hi {{ customer.name "
    assert rendered["endCallMessage"] == "Bye {{ x | nope }}"
    assert rendered["voicemailMessage"] == "For Ann"


def test_the_date_filter_takes_a_time_zone_as_in_vapis_docs() -> None:
    template = '{{ "2024-01-05T23:30:00Z" | date: "%Y-%m-%d %H:%M", "Asia/Tokyo" }}'
    rendered = render_assistant({"firstMessage": template}, values_for(CALL))
    assert rendered["firstMessage"] == "2024-01-06 08:30"
