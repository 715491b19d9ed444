"""The call engine: one pipecat pipeline per live call, reaching storage only through ports."""
