"""Downloading a URL into storage, only when allowed, and then only safely.

Off by default (the original fetched any URL, with no timeout and no size cap: a way into the server's
own network). When on: http and https only; every address the host name resolves to must be public
(no loopback, private, link-local, multicast or reserved ranges) unless private addresses are allowed
explicitly; redirects are followed by hand (at most 5) and each hop is checked the same way; the body is
streamed with a size cap and an overall time limit. The DNS answer can change between the check and the
connection (rebinding); a deployment that must rule that out should put the server behind an egress proxy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5


class FetchRefused(ValueError):
    """The URL is not allowed (scheme, address) or the download broke a limit; the message says which."""


async def _check_host(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"url: only http and https URLs can be fetched, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise FetchRefused("url: the URL has no host name")
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443,
                                                              type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(f"url: cannot resolve {parts.hostname!r} ({exc.strerror})") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise FetchRefused(f"url: {parts.hostname!r} resolves to {address}, a private or local address; "
                               "the server fetches only from public addresses")


async def fetch(url: str, *, max_bytes: int, timeout: float, allow_private: bool = False) -> AsyncIterator[bytes]:
    """Yield the body of ``url`` chunk by chunk, enforcing every rule above."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            await _check_host(url, allow_private)
            async with client.stream("GET", url) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                if response.status_code != 200:
                    raise FetchRefused(f"url: the server answered {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchRefused(f"url: the file is {declared} bytes, more than the limit of {max_bytes}")
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchRefused(f"url: the file is more than the limit of {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise FetchRefused(f"url: the download took longer than {timeout:g} s")
                    yield chunk
                return
        raise FetchRefused(f"url: more than {MAX_REDIRECTS} redirects")
