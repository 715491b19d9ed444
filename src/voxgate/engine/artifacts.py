"""What a call leaves behind besides its transcript: recordings, log, performance metrics.

`CallArtifacts` gathers them while the call runs and stores them through the `CallStore` port
when it ends; `save()` returns the fields it adds to `artifact` (`recordingUrl`,
`stereoRecordingUrl`, `recording`, `logUrl`, `performanceMetrics`).
"""

from typing import Any

from loguru import logger

from voxgate.engine.call_log import CallLog, logging_enabled
from voxgate.engine.metrics import TurnMetrics
from voxgate.engine.ports import CallStore
from voxgate.engine.recording import CallRecording


class CallArtifacts:
    """The recorder, the latency observer and the log of one call."""

    def __init__(self, assistant: dict[str, Any], store: CallStore) -> None:
        self._store = store
        self.metrics = TurnMetrics()
        self.recording = CallRecording(assistant)  # its processor goes into the pipeline
        self._log = CallLog() if logging_enabled(assistant) else None

    def start(self) -> None:
        """Starts the call's log; call it in the task that runs the call."""
        if self._log is not None:
            self._log.start()

    async def save(self) -> dict[str, Any]:
        """Stores what was gathered; a store that fails costs the artifact, never the call."""
        fields: dict[str, Any] = {}
        performance = self.metrics.performance()
        if performance:
            fields["performanceMetrics"] = performance
        try:
            fields.update(await self.recording.save(self._store))
        except Exception as error:
            logger.error(f"the call's recordings were not stored: {error}")
        if self._log is not None:
            lines = self._log.stop()
            try:
                fields["logUrl"] = await self._store.save_artifact("call-logs", lines)
            except Exception as error:
                logger.error(f"the call's log was not stored: {error}")
        return fields
