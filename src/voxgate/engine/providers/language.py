"""Vapi's language values → pipecat's `Language`.

Vapi names languages per vendor: ISO codes (`en`, `en-US`, `pt_BR`) for most, English names
(`English`) for Google. A code pipecat does not know (`multi`, `auto`) is passed through as the
string the vendor expects.
"""

from pipecat.transcriptions.language import Language

_BY_CODE = {language.value.lower(): language for language in Language}

# Google's transcriber names languages in English (Vapi's `GoogleTranscriber.language`).
_GOOGLE_NAMES = {
    "Arabic": "ar", "Bengali": "bn", "Bulgarian": "bg", "Chinese": "zh", "Croatian": "hr",
    "Czech": "cs", "Danish": "da", "Dutch": "nl", "English": "en", "Estonian": "et",
    "Finnish": "fi", "French": "fr", "German": "de", "Greek": "el", "Hebrew": "he",
    "Hindi": "hi", "Hungarian": "hu", "Indonesian": "id", "Italian": "it", "Japanese": "ja",
    "Korean": "ko", "Latvian": "lv", "Lithuanian": "lt", "Norwegian": "no", "Polish": "pl",
    "Portuguese": "pt", "Romanian": "ro", "Russian": "ru", "Serbian": "sr", "Slovak": "sk",
    "Slovenian": "sl", "Spanish": "es", "Swahili": "sw", "Swedish": "sv", "Thai": "th",
    "Turkish": "tr", "Ukrainian": "uk", "Vietnamese": "vi",
}  # fmt: skip


def to_language(code: object) -> Language | str | None:
    """The pipecat `Language` for a Vapi language value; None when the assistant names none."""
    if not isinstance(code, str) or not code:
        return None
    code = _GOOGLE_NAMES.get(code, code)
    return _BY_CODE.get(code.lower().replace("_", "-"), code)
