"""The SSRF guard's verdicts (kit/urls.py): which addresses a user's URL may not reach, read
the ways a URL can spell them, and what the allowlist lets through. Nothing is sent: every
refusal happens before a connection."""

import ipaddress
import re
from pathlib import Path

import httpx
import pytest

from voxgate.kit.urls import Allowlist, UrlRefused, address_refusal, check_url, guarded_client

NOTHING = Allowlist()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
        ("100.64.0.1", "private"), ("fc00::1", "private"), ("fd12::1", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"), ("::", "unspecified"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"), ("240.0.0.1", "private"),  # Python's "private"
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused_by_kind(address: str, kind: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == f"a {kind} address"


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.0.0.7/", "10.0.0.7 is a private address"),
        ("http://[::1]:9000/", "::1 is a loopback address"),
        ("http://localhost:9000/", "localhost ("),  # resolved: every address is loopback
        ("http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"),  # decimal
        ("http://0x7f.1/", "(127.0.0.1) is a loopback address"),  # hex, shortened
        ("ws://[fe80::1]/stream", "fe80::1 is a link-local address"),
    ],
)
async def test_check_url_refuses_every_spelling_of_a_private_host(url: str, shown: str) -> None:
    reason = await check_url(url, NOTHING)
    assert reason is not None and shown in reason and "VOXGATE_URL_ALLOWLIST" in reason


async def test_an_octal_address_is_no_url_to_httpx_so_never_fetched() -> None:
    assert await check_url("http://0177.0.0.1/", NOTHING) == "'http://0177.0.0.1/' is not a URL"
    async with guarded_client(NOTHING) as client:
        with pytest.raises(httpx.InvalidURL):
            await client.get("http://0177.0.0.1/")


async def test_check_url_refuses_what_is_not_http() -> None:
    assert await check_url("file:///etc/passwd", NOTHING) == (
        "'file:///etc/passwd' is not an http(s) or ws(s) URL"
    )


async def test_the_allowlist_admits_hosts_addresses_and_cidrs() -> None:
    allow = Allowlist.parse(" internal.example , 10.0.0.0/8, [::1] ,")
    assert allow.hosts == {"internal.example"}
    assert await check_url("http://10.20.30.40/", allow) is None
    assert await check_url("http://[::1]/", allow) is None
    assert await check_url("http://INTERNAL.example./x", allow) is None  # never resolved
    assert await check_url("http://11.0.0.1/", allow) is None  # public anyway
    assert await check_url("http://192.168.0.1/", allow) is not None  # outside the CIDR


async def test_every_resolved_address_must_be_allowed() -> None:
    # localhost resolves to 127.0.0.1 (and ::1 where IPv6 is on): each one is checked.
    refused = await check_url("http://localhost/", Allowlist.parse("10.0.0.0/8"))
    assert refused is not None and "loopback" in refused
    assert await check_url("http://localhost/", Allowlist.parse("127.0.0.0/8,::1")) is None


async def test_the_guarded_client_refuses_before_connecting() -> None:
    async with guarded_client(NOTHING) as client:
        with pytest.raises(UrlRefused, match=r"169\.254\.169\.254 is a link-local address"):
            await client.get("http://169.254.169.254/latest/meta-data/")
        # An httpx error like any unreachable server's, so every fetcher records it as one.
        with pytest.raises(httpx.ConnectError):
            await client.post("http://10.9.8.7/hook", json={})


SRC = Path(__file__).resolve().parents[2] / "src" / "voxgate"


def test_the_server_makes_no_unguarded_http_client() -> None:
    # Every URL the server fetches may be a user's: its clients come from `guarded_client`.
    # `voxgate call` (client/) is the user's own program, on the user's side.
    unguarded = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] != "client" and path.name != "urls.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"httpx2?\.(Async)?Client\(", line)
    ]
    assert unguarded == []
