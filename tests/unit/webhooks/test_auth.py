"""The headers a webhook server checks: HMAC in each payload format, bearer, X-Vapi-Secret,
static headers. Signatures are recomputed here with hmac/hashlib, as a receiver would."""

import base64
import hashlib
import hmac
from typing import Any

import pytest

from voxgate.webhooks.auth import headers

URL = "https://hooks.example.com/vapi"
BODY = '{"message": {"type": "status-update", "status": "in-progress"}}'


def target(**fields: Any) -> dict[str, Any]:
    return {"url": URL, "timeoutSeconds": 20.0, "headers": {}, **fields}


def hmac_plan(**fields: Any) -> dict[str, Any]:
    return {"authenticationPlan": {"type": "hmac", "secretKey": "s3cret", "algorithm": "sha256",
                                   **fields}}  # fmt: skip


def test_hmac_defaults_sign_timestamp_dot_body_in_hex() -> None:
    sent = headers(target(**hmac_plan()), BODY, "msg-1")
    timestamp = sent["x-timestamp"]
    expected = hmac.new(b"s3cret", f"{timestamp}.{BODY}".encode(), hashlib.sha256).hexdigest()
    assert sent["x-signature"] == expected
    assert timestamp.isdigit()


def test_hmac_without_timestamp_signs_the_body_alone_and_sends_no_timestamp() -> None:
    sent = headers(target(**hmac_plan(includeTimestamp=False)), BODY, "msg-1")
    assert sent["x-signature"] == hmac.new(b"s3cret", BODY.encode(), hashlib.sha256).hexdigest()
    assert "x-timestamp" not in sent


def test_hmac_custom_format_headers_prefix_and_base64() -> None:
    plan = hmac_plan(
        algorithm="sha512",
        payloadFormat="{svix-id}.{timestamp}.{method}.{url}.{body}",
        signatureHeader="webhook-signature",
        timestampHeader="webhook-timestamp",
        messageIdHeader="webhook-id",
        signaturePrefix="v1,",
        signatureEncoding="base64",
    )
    sent = headers(target(**plan), BODY, "msg-7")
    signed = f"msg-7.{sent['webhook-timestamp']}.POST.{URL}.{BODY}".encode()
    digest = hmac.new(b"s3cret", signed, hashlib.sha512).digest()
    assert sent["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    assert sent["webhook-id"] == "msg-7"
    assert "x-signature" not in sent


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
def test_hmac_base64_secret_is_decoded_first(algorithm: str) -> None:
    key = b"\x00\xffraw-key"
    plan = hmac_plan(secretKey=base64.b64encode(key).decode(), secretIsBase64=True,
                     algorithm=algorithm, includeTimestamp=False)  # fmt: skip
    sent = headers(target(**plan), BODY, "msg-1")
    assert sent["x-signature"] == hmac.new(key, BODY.encode(), algorithm).hexdigest()


def test_bearer_with_and_without_prefix() -> None:
    plan = {"type": "bearer", "token": "tok"}
    assert headers(target(authenticationPlan=plan), BODY, "m")["Authorization"] == "Bearer tok"
    custom = {**plan, "headerName": "X-Api-Key", "bearerPrefixEnabled": False}
    sent = headers(target(authenticationPlan=custom), BODY, "m")
    assert sent["X-Api-Key"] == "tok" and "Authorization" not in sent


def test_legacy_secret_and_static_headers_which_override_the_credential() -> None:
    sent = headers(
        target(
            secret="legacy",
            headers={"Authorization": "Basic abc", "X-Team": "voice"},
            authenticationPlan={"type": "bearer", "token": "tok"},
        ),
        BODY,
        "m",
    )
    assert sent["X-Vapi-Secret"] == "legacy"
    assert sent["Authorization"] == "Basic abc"
    assert sent["X-Team"] == "voice"
    assert sent["Content-Type"] == "application/json"
