"""The learner navigation: one list on every learner page (frames/base.html), filled by the
apps in AppConfig.ready() so frames names no app. An item is
(position, label, url name, extra path prefixes it owns, badge); badge(request) -> int or
None, e.g. the unread notifications. The current place is the item whose address (or extra
prefix) is the longest start of the page's path; Home only on "/"."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    position: int
    label: str
    url_name: str
    prefixes: tuple = ()
    badge: object = field(default=None, compare=False)


LEARNER_NAV = [NavItem(0, "Home", "home")]


@dataclass(frozen=True)
class HomeLink:
    """A card on Home: an app declares its own in its AppConfig's `home_links`."""

    label: str
    url_name: str
    roles: frozenset
    description: str


def learner_nav_register(item: NavItem):
    if all(existing.url_name != item.url_name for existing in LEARNER_NAV):
        LEARNER_NAV.append(item)


def learner_nav(request) -> list[dict]:
    path = request.path
    items = []
    for item in sorted(LEARNER_NAV, key=lambda i: i.position):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        owned = [url, *item.prefixes]
        match = max((len(p) for p in owned if (path == p if p == "/" else path.startswith(p))), default=0)
        items.append({"label": item.label, "url": url, "match": match, "badge": item.badge(request) if item.badge else None})
    best = max((i["match"] for i in items), default=0)
    for i in items:
        i["current"] = best > 0 and i["match"] == best
    return items
