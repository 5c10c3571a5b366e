"""People's names: one person per real person.

`name_key` is the de-duplication key: Unicode NFC, a leading `@` (a mention)
dropped, spaces collapsed, case folded, accents kept ("José" and "JOSÉ" are
one person, stored as "José"). `fold_key` also drops accents; it is only used to
match an unaccented spelling to the one accented person it can mean."""

import re
import unicodedata

MENTION_RE = re.compile(r"(?<![\w@])@((?:[A-ZÀ-ÖØ-Þ][\w'’.-]*)(?:[ \u00a0](?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|de|da|van|von|del|la|le)){0,3})")
PEOPLE_SPLIT_RE = re.compile(r"\s*,\s*")


def clean_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value or "")
    value = value.strip().lstrip("@").strip()
    value = " ".join(value.replace("\u00a0", " ").split())
    return value.strip(" ,;.") if value.endswith((",", ";")) else value


def name_key(value: str) -> str:
    return clean_name(value).casefold()


def fold_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name_key(value))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def accent_count(value: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFKD", value) if unicodedata.combining(c))


def better_spelling(current: str, incoming: str) -> str:
    """Keep the spelling that carries more: accents first, then capitals."""
    if accent_count(incoming) > accent_count(current):
        return incoming
    if accent_count(incoming) == accent_count(current) and (current.islower() or current.isupper()) and not (incoming.islower() or incoming.isupper()):
        return incoming
    return current


def split_people(value: str) -> list[str]:
    """A people property cell: names joined by ', ' (mentions may keep their @)."""
    names = []
    for part in PEOPLE_SPLIT_RE.split(value or ""):
        name = clean_name(part)
        if name and any(c.isalpha() for c in name):
            names.append(name)
    return names


def mentions(text: str, known: dict | None = None) -> list[str]:
    """@Name mentions in a page body. Date mentions (@November 19, 2024) are not
    people. A known person's full name wins over the greedy capitalised run."""
    from cadence.notion.dates import looks_like_date

    found = []
    for match in MENTION_RE.finditer(text or ""):
        raw = match.group(1)
        words = raw.split()
        candidate = None
        if known:
            for n in range(len(words), 0, -1):
                key = name_key(" ".join(words[:n]))
                if key in known:
                    candidate = " ".join(words[:n])
                    break
        if candidate is None:
            candidate = " ".join(words[:2]) if len(words) >= 2 else raw
        tail = text[match.start(1):match.start(1) + 40]
        if looks_like_date(tail) or candidate.casefold() in ("today", "tomorrow", "yesterday", "here", "channel", "everyone"):
            continue
        found.append(clean_name(candidate))
    return found


class PeopleIndex:
    """Name -> person id for one import: exact key, then an unambiguous accent-folded match."""

    def __init__(self):
        self.by_key = {}
        self.by_fold = {}
        self.names = {}

    def add(self, key, fold, pk, name):
        self.by_key[key] = pk
        self.by_fold.setdefault(fold, set()).add(pk)
        self.names[pk] = name

    def find(self, name):
        key = name_key(name)
        if key in self.by_key:
            return self.by_key[key]
        candidates = self.by_fold.get(fold_key(name), set())
        return next(iter(candidates)) if len(candidates) == 1 else None
