"""The public site's settings, from the environment (names as in the README's configuration table)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from callcenter.domain.errors import ValidationError

TILES_ENV = "CALLCENTER_WEB_TILES"
TILE_ATTRIBUTION_ENV = "CALLCENTER_WEB_TILE_ATTRIBUTION"
MOBILE_CRISIS_ENV = "CALLCENTER_MOBILE_CRISIS_PHONE"
ACCESS_LINE_ENV = "CALLCENTER_ACCESS_LINE_PHONE"
TRUSTED_PROXIES_ENV = "CALLCENTER_WEB_TRUSTED_PROXIES"
SEARCHES_PER_MINUTE_ENV = "CALLCENTER_WEB_SEARCHES_PER_MINUTE"
REFERRALS_PER_MINUTE_ENV = "CALLCENTER_WEB_REFERRALS_PER_MINUTE"
STATUS_CHECKS_PER_MINUTE_ENV = "CALLCENTER_WEB_STATUS_CHECKS_PER_MINUTE"
API_REQUESTS_PER_MINUTE_ENV = "CALLCENTER_HSDS_API_REQUESTS_PER_MINUTE"

# Connecticut's mobile crisis teams answer on 2-1-1 (option 1); the access line's own number.
DEFAULT_MOBILE_CRISIS = "211"
DEFAULT_ACCESS_LINE = "877-552-8247"
DEFAULT_SEARCHES_PER_MINUTE = 30
DEFAULT_REFERRALS_PER_MINUTE = 3
DEFAULT_STATUS_CHECKS_PER_MINUTE = 5  # found or not: guessing references is as slow as this
DEFAULT_API_REQUESTS_PER_MINUTE = 600  # another directory following ours reads pages in a burst
MOST_SEARCHES_PER_MINUTE = 100_000
_PHONE_TEXT = re.compile(r"[0-9][0-9 ()+.\-]{1,24}")
_TILE_TEMPLATE = re.compile(r"https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?/[^\s\"'<>]*")


@dataclass(frozen=True)
class SiteSettings:
    tiles: str | None = None  # a https tile URL template with {z}, {x} and {y}; None: no tiles at all
    tile_attribution: str = ""
    mobile_crisis_phone: str = DEFAULT_MOBILE_CRISIS
    access_line_phone: str = DEFAULT_ACCESS_LINE
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    searches_per_minute: int = DEFAULT_SEARCHES_PER_MINUTE
    referrals_per_minute: int = DEFAULT_REFERRALS_PER_MINUTE
    status_checks_per_minute: int = DEFAULT_STATUS_CHECKS_PER_MINUTE
    api_requests_per_minute: int = DEFAULT_API_REQUESTS_PER_MINUTE

    @property
    def pages_per_minute(self) -> int:
        """Provider pages are cheaper than searches and a family opens several: four times as many."""
        return self.searches_per_minute * 4

    @property
    def tile_origin(self) -> str | None:
        """The tile server's origin, the one place besides the site itself images may come from."""
        if not self.tiles:
            return None
        scheme, _, rest = self.tiles.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"


def site_settings(environment: Mapping[str, str] | None = None) -> SiteSettings:
    """The settings; a bad one raises ValidationError naming it and saying what would work."""
    env = os.environ if environment is None else environment
    tiles = (env.get(TILES_ENV) or "").strip() or None
    if tiles is not None and (
        not _TILE_TEMPLATE.fullmatch(tiles) or not all(part in tiles for part in ("{z}", "{x}", "{y}"))
    ):
        raise ValidationError(
            f"{TILES_ENV} wants a https tile address with {{z}}, {{x}} and {{y}}, e.g. "
            "https://tile.example.org/{z}/{x}/{y}.png (or leave it unset for a map without tiles).",
            TILES_ENV,
        )
    return SiteSettings(
        tiles=tiles,
        tile_attribution=(env.get(TILE_ATTRIBUTION_ENV) or "").strip()[:200],
        mobile_crisis_phone=_phone(env, MOBILE_CRISIS_ENV, DEFAULT_MOBILE_CRISIS),
        access_line_phone=_phone(env, ACCESS_LINE_ENV, DEFAULT_ACCESS_LINE),
        trusted_proxies=_networks(env.get(TRUSTED_PROXIES_ENV) or ""),
        searches_per_minute=_per_minute(env.get(SEARCHES_PER_MINUTE_ENV) or "", SEARCHES_PER_MINUTE_ENV, "searches"),
        referrals_per_minute=_per_minute(
            env.get(REFERRALS_PER_MINUTE_ENV) or "",
            REFERRALS_PER_MINUTE_ENV,
            "referrals sent",
            DEFAULT_REFERRALS_PER_MINUTE,
        ),
        status_checks_per_minute=_per_minute(
            env.get(STATUS_CHECKS_PER_MINUTE_ENV) or "",
            STATUS_CHECKS_PER_MINUTE_ENV,
            "referral status checks",
            DEFAULT_STATUS_CHECKS_PER_MINUTE,
        ),
        api_requests_per_minute=_per_minute(
            env.get(API_REQUESTS_PER_MINUTE_ENV) or "",
            API_REQUESTS_PER_MINUTE_ENV,
            "HSDS API requests",
            DEFAULT_API_REQUESTS_PER_MINUTE,
        ),
    )


def _phone(env: Mapping[str, str], name: str, default: str) -> str:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not _PHONE_TEXT.fullmatch(text):
        raise ValidationError(f"{name} wants a phone number as people dial it, e.g. 211 or 877-552-8247.", name)
    return text


def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValidationError(
                f"{TRUSTED_PROXIES_ENV}: {part[:50]!r} is not an address or network; give the proxies' "
                "addresses separated by commas, e.g. 127.0.0.1,10.0.0.0/24.",
                TRUSTED_PROXIES_ENV,
            ) from None
    return tuple(networks)


def _per_minute(text: str, name: str, what: str, default: int = DEFAULT_SEARCHES_PER_MINUTE) -> int:
    text = text.strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MOST_SEARCHES_PER_MINUTE:
        raise ValidationError(
            f"{name} wants a whole number of {what} per minute per client, "
            f"from 1 to {MOST_SEARCHES_PER_MINUTE} (default {default}).",
            name,
        )
    return int(text)
