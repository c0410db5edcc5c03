"""Middleware for a deployment behind a TLS proxy (issue 13).

- ClientAddressMiddleware: behind a trusted proxy, REMOTE_ADDR becomes the address the proxy
  saw, so the audit trail (which reads REMOTE_ADDR) records the client, not the proxy.
- NoStoreMiddleware: no browser or shared cache keeps a copy of a page that may hold patient
  data.
- IdleSignOutMiddleware: a signed-in session left untouched for ACUBACK_IDLE_MINUTES ends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

Handler = Callable[[HttpRequest], HttpResponseBase]

# Everything under these paths may carry patient data even without a signed-in session
# (API and FHIR answers to a bearer token, the portal, downloaded documents).
PRIVATE_PATHS = ("/api/", "/fhir/", "/portal/", "/documents/", "/audit/", "/admin/")
LAST_SEEN = "acuback_last_seen"
# The time of last activity is rewritten at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60


class ClientAddressMiddleware:
    """Takes the client's address from X-Forwarded-For, only from a trusted proxy.

    The proxy appends the address it received the request from; anything before it in the
    header was written by the client and could be anything, so only the last entry is used.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.proxies = frozenset(settings.ACUBACK_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.proxies and request.META.get("REMOTE_ADDR") in self.proxies:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            # With no usable address there, the proxy's own stays.
            with contextlib.suppress(ValueError):
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(forwarded))
        return self.get_response(request)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """Cache-Control: no-store on every answer to a signed-in user and under PRIVATE_PATHS.

    A view that set its own Cache-Control is left alone; public pages to visitors and static
    files (answered by whitenoise before this) stay cacheable.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" not in response and (
            _signed_in(request) or request.path.startswith(PRIVATE_PATHS)
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response


class IdleSignOutMiddleware:
    """Signs out a session with no request for ACUBACK_IDLE_MINUTES (a shared workstation)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.idle_seconds = settings.ACUBACK_IDLE_MINUTES * 60

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _signed_in(request):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > self.idle_seconds:
                # The request goes on signed out: pages send the visitor to sign in again.
                logout(request)
            elif not isinstance(last, int) or now - last >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
