"""The offline voice's failures: what espeak-ng says, not what an exit code claims."""

from pipecat.frames.frames import ErrorFrame

from voxgate.engine.providers.espeak import EspeakTTS


async def test_an_unknown_voice_is_an_error_that_says_why() -> None:
    frames = [frame async for frame in EspeakTTS(voice="xx-no-such-voice").run_tts("Hi", "c")]
    assert [type(frame) for frame in frames] == [ErrorFrame]
    assert "voice does not exist" in frames[0].error
