"""`keypadInputPlan`: keys the caller presses on a phone's keypad reach the LLM as their words.

A carrier's leg reports each key (ports.Keypress, an `InputDTMFFrame` in the pipeline); with the
plan enabled, pipecat's `DTMFAggregator` gathers them into one user turn, sent once the
`delimiters` key is pressed (`#` unless set; `""`: none) or `timeoutSeconds` pass without a key.
The first key interrupts the assistant, as speaking would. Without the plan, keys are ignored.
"""

from typing import Any, cast

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.processors.aggregators.dtmf_aggregator import DTMFAggregator
from pipecat.processors.frame_processor import FrameProcessor

TIMEOUT_SECONDS = 2.0
DELIMITER = "#"


def keypad(assistant: dict[str, Any]) -> list[FrameProcessor]:
    """The processors the assistant's keypadInputPlan asks for (none when it is off)."""
    plan = assistant.get("keypadInputPlan") or {}
    if not plan.get("enabled"):
        return []
    timeout = plan.get("timeoutSeconds")
    delimiter = plan.get("delimiters", DELIMITER)
    # No delimiter: no key ends the entry early (the aggregator compares keys with it).
    end_key = KeypadEntry(delimiter) if delimiter else cast(KeypadEntry, None)
    # A zero timeout would flush each key alone; the plan's 0 reads as "the default".
    return [
        DTMFAggregator(timeout=timeout or TIMEOUT_SECONDS, termination_digit=end_key, prefix="")
    ]
