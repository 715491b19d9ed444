"""The SSRF guard: URLs fetched on a user's behalf must reach the public internet.

A user sets the URLs voxgate fetches (webhook servers, `apiRequest` tools, a custom LLM's
`model.url`…). Without a guard, such a URL could reach what only this machine can: its own
loopback services, the private network it sits in, a cloud's metadata endpoint
(169.254.169.254). So every address a host resolves to must be public: loopback, private
(RFC 1918, CGNAT 100.64/10, ULA fc00::/7), link-local (169.254/16, fe80::/10), unspecified,
multicast and other reserved addresses are refused, unless the host or the address is in the
allowlist (hosts, IPs or CIDRs).

The check runs in the HTTP client's transport (`GuardedTransport`), at each request, so
redirects, retries and templated URLs are all checked where they are sent. The host is resolved
once, every address checked, and the request sent to the first one (its name kept in the Host
header and TLS's SNI and certificate check): a DNS answer that changes between the check and
the connection (rebinding) cannot slip a private address in.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from voxgate.config import get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

T = TypeVar("T")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UrlRefused(httpx.ConnectError):
    """The URL's host is not one voxgate may reach for a user. An `httpx.HTTPError`, so every
    fetcher records it as it records an unreachable server."""


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = field(default=())

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> "Allowlist":
        """Comma-separated hosts, IP addresses or CIDRs (`localhost, 10.0.0.0/8, ::1`)."""
        entries = text.split(",") if isinstance(text, str) else text
        hosts, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def configured_allowlist() -> Allowlist:
    """`VOXGATE_URL_ALLOWLIST`, read now (tests change it)."""
    return Allowlist.parse(get_settings().url_allowlist)


def address_refusal(address: Address) -> str | None:
    """Why this address is not public, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast"):
        if getattr(address, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if address.is_private or address in _CGNAT:
        return "a private address"
    return None if address.is_global else "a reserved address"


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int, allowlist: Allowlist) -> str | None:
    """The address to connect to (None: the host is allow-listed, connect as usual).
    Raises `UrlRefused` when any address the host resolves to is refused."""
    if allowlist.allows_host(host):
        return None
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as error:
            raise httpx.ConnectError(f"cannot resolve {host}: {error}") from None
        # getaddrinfo also reads `2130706433` and `0177.0.0.1` as 127.0.0.1: checked as such.
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))
    for address in addresses:
        reason = None if allowlist.allows_address(address) else address_refusal(address)
        if reason is not None:
            shown = host if str(address) == host.strip("[]") else f"{host} ({address})"
            raise UrlRefused(f"{shown} is {reason}; VOXGATE_URL_ALLOWLIST does not allow it")
    # IPv4 first: one address is pinned, and a container's IPv6 route is the likelier broken.
    return str(min(addresses, key=lambda address: address.version))


async def check_url(url: str, allowlist: Allowlist) -> str | None:
    """Why voxgate may not fetch `url` (resolving its host now), or None."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return f"{url!r} is not a URL"
    if parsed.scheme not in ("http", "https", "ws", "wss") or not parsed.host:
        return f"{url!r} is not an http(s) or ws(s) URL"
    try:
        await resolve(parsed.host, parsed.port or _default_port(parsed.scheme), allowlist)
    except UrlRefused as refused:
        return str(refused)
    except httpx.ConnectError:
        return None  # unresolvable now: not ours to refuse, the request will fail on its own
    return None


async def send_pinned(
    request: Any, send: Callable[[Any], Awaitable[T]], allowlist: Allowlist | None = None
) -> T:
    """`send(request)` with the request's URL pointing at its host's checked address (see
    above). Duck-typed over the request, so httpx2 (the OpenAI client's fork) shares it.
    Without an allowlist, the configured one is read now."""
    url = request.url
    allowlist = allowlist if allowlist is not None else configured_allowlist()
    pinned = await resolve(url.host, url.port or _default_port(url.scheme), allowlist)
    if pinned is None or pinned == url.host:
        return await send(request)
    # The Host header already names the host; TLS is told it through `sni_hostname`.
    extensions = request.extensions
    request.url = url.copy_with(host=pinned)
    request.extensions = {**extensions, "sni_hostname": url.host}
    try:
        return await send(request)
    finally:  # redirects resolve against the URL as the client sent it
        request.url, request.extensions = url, extensions


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's own transport, sending each request only to a checked address."""

    def __init__(
        self, allowlist: Allowlist | None = None, inner: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._allowlist = allowlist
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await send_pinned(request, self._inner.handle_async_request, self._allowlist)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def guarded_client(allowlist: Allowlist | None = None, **options: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that fetches only what the guard allows. It ignores the
    environment's proxies (`trust_env=False`): a proxy would reach the address unchecked."""
    return httpx.AsyncClient(transport=GuardedTransport(allowlist), trust_env=False, **options)


def operator_client(*roots: str, **options: Any) -> httpx.AsyncClient:
    """`guarded_client` for an API root the operator configured (`VOXGATE_TELNYX_API_URL`…):
    its hosts are allowed whatever their address (a proxy, a fake on loopback), every other
    address as the guard decides. Redirects stay guarded: they are not the operator's."""
    allowed = configured_allowlist()
    hosts = {httpx.URL(root).host.lower() for root in roots}
    return guarded_client(Allowlist(allowed.hosts | hosts, allowed.networks), **options)
