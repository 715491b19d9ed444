"""Whether this process is draining (shutting down gracefully, control/shutdown.py): then it
starts no new call. Kept apart from the shutdown steps so `create_call` can ask without
importing the running calls."""

import asyncio

from voxgate.errors import ServiceUnavailable
from voxgate.webhooks.outbox import Outbox

SHUTTING_DOWN = (
    "This voxgate server is shutting down and takes no new calls; retry, and another server "
    "(or this one, restarted) will take it."
)


class Drain:
    """This process's shutdown state."""

    def __init__(self) -> None:
        self.draining = False
        self.outbox: Outbox | None = None  # the lifespan's: the one sending deliveries
        self.hurried = asyncio.Event()  # set by a second signal: the grace period is over

    def refuse_new_calls(self) -> None:
        if self.draining:
            raise ServiceUnavailable(SHUTTING_DOWN)


drain = Drain()  # one per process, as the calls it runs
