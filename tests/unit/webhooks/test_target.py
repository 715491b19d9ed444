"""Which server gets an assistant's messages, and with what."""

from voxgate.webhooks.target import choose

ORG = {"url": "https://org.example.com/hook", "secret": "org-secret"}


def test_the_assistant_server_comes_before_the_org_server() -> None:
    assistant = {"server": {"url": "https://a.example.com", "timeoutSeconds": 5, "secret": "s"}}
    assert choose(assistant, ORG) == {
        "url": "https://a.example.com", "timeoutSeconds": 5.0, "headers": {}, "secret": "s"
    }  # fmt: skip


def test_legacy_server_url_and_its_secret() -> None:
    assistant = {"serverUrl": "https://legacy.example.com", "serverUrlSecret": "old"}
    target = choose(assistant, ORG)
    assert target is not None
    assert (target["url"], target["secret"], target["timeoutSeconds"]) == (
        "https://legacy.example.com", "old", 20.0
    )  # fmt: skip


def test_an_assistant_without_a_server_uses_the_org_server_and_none_means_nothing_is_sent() -> None:
    target = choose({"name": "no server"}, ORG)
    assert target is not None and target["url"] == ORG["url"] and target["secret"] == "org-secret"
    assert choose({"name": "no server"}, None) is None


def test_credential_id_names_the_assistant_webhook_credential() -> None:
    plan = {"type": "bearer", "token": "t"}
    assistant = {
        "server": {"url": "https://a.example.com", "credentialId": "cred-1",
                   "backoffPlan": {"type": "fixed", "maxRetries": 1, "baseDelaySeconds": 0}},
        "credentials": [
            {"provider": "openai", "apiKey": "k", "id": "cred-1"},
            {"provider": "webhook", "id": "cred-1", "authenticationPlan": plan},
        ],
    }  # fmt: skip
    target = choose(assistant, None)
    assert target is not None
    assert target["authenticationPlan"] == plan
    assert target["backoffPlan"]["maxRetries"] == 1
