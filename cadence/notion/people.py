"""People's names: one person per real person.

`name_key` is the de-duplication key: Unicode NFC, a leading `@` (a mention)
dropped, spaces collapsed, case folded, accents kept ("José" and "JOSÉ" are
one person, stored as "José"). `fold_key` also drops accents; it is only used to
match an unaccented spelling to the one accented person it can mean."""

import functools
import re
import unicodedata

from cadence.notion.dates import looks_like_date

MENTION_AT_RE = re.compile(r"(?<![\w@])@(?=\S)")
WORD_RE = re.compile(r"[^\s\u00a0]+")
TRAILING = ".,;:!?)]}\"'’”…"
HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "sir", "dame"}
PARTICLES = {"de", "da", "do", "dos", "das", "del", "della", "di", "van", "von", "der", "den", "la", "le", "du", "bin", "binti", "al", "el", "ter"}
NOT_PEOPLE = {"today", "tomorrow", "yesterday", "here", "channel", "everyone", "now", "all", "team"}
MAX_NAME_WORDS = 6
PEOPLE_SPLIT_RE = re.compile(r"\s*,\s*")


@functools.lru_cache(maxsize=4096)  # pure, and called for the same few names on every page (bounded: memory stays flat)
def clean_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value or "")
    value = value.strip().lstrip("@").strip()
    value = " ".join(value.replace("\u00a0", " ").split())
    return value.strip(" ,;.") if value.endswith((",", ";")) else value


def strip_trailing(value: str) -> str:
    """A mention at the end of a sentence or before a bracket: `@Aiko Tanaka.` is Aiko Tanaka."""
    value = value.rstrip(TRAILING)
    for suffix in ("'s", "’s"):
        if value.endswith(suffix):
            value = value[: -len(suffix)]
    return value.rstrip(TRAILING)


@functools.lru_cache(maxsize=4096)
def name_key(value: str) -> str:
    return clean_name(value).casefold()


@functools.lru_cache(maxsize=4096)
def fold_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name_key(value))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def accent_count(value: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFKD", value) if unicodedata.combining(c))


def better_spelling(current: str, incoming: str) -> str:
    """Keep the spelling that carries more: accents first, then capitals."""
    if incoming == current:  # the usual case (a name spelled as stored): skip the two NFKD passes
        return current
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


class Mentions:
    """Resolve `@Name` mentions in page text against the people an export names in its
    people-typed properties (Assignee, Attendees, Owner, Author ...): the longest run
    of words after the `@` that is a known name (trailing punctuation and a possessive
    stripped) wins. A mention matching nobody is returned as unmatched and creates no
    one, unless `guess` (the export has no people-typed property at all): then the run
    of capitalised words (with a leading Dr./Prof. and name particles) is the name.
    Date mentions (`@November 19, 2024`, `@Today`) are not people."""

    def __init__(self, known_names=(), *, guess=False):
        self.by_key = {}
        self.by_fold = {}
        self.guess = guess
        for name in known_names:
            self.add(name)

    def add(self, name):
        name = clean_name(name)
        if not name:
            return
        self.by_key.setdefault(name_key(name), name)
        self.by_fold.setdefault(fold_key(name), set()).add(name_key(name))

    def lookup(self, phrase):
        key = name_key(phrase)
        if key in self.by_key:
            return self.by_key[key]
        folds = self.by_fold.get(fold_key(phrase), set())
        return self.by_key[next(iter(folds))] if len(folds) == 1 else None

    def find(self, text: str):
        """(matched names, unmatched mention texts), in the order they appear."""
        matched, unmatched = [], []
        text = text or ""
        for at in MENTION_AT_RE.finditer(text):
            line_end = text.find("\n", at.end())
            line = text[at.end(): line_end if line_end >= 0 else len(text)]
            words = [m.group(0) for m in WORD_RE.finditer(line)][:MAX_NAME_WORDS]
            if not words:
                continue
            if looks_like_date(line) or strip_trailing(words[0]).casefold() in NOT_PEOPLE:
                continue
            name = self._longest_known(words)
            if name is None and self.guess:
                name = _capitalised_run(words)
            if name:
                matched.append(name)
            elif run := _capitalised_run(words):  # `@param`, `@here`, a handle in a URL: not a person's name
                unmatched.append(run)
        return matched, unmatched

    def _longest_known(self, words):
        for n in range(len(words), 0, -1):
            phrase = strip_trailing(" ".join(words[:n]))
            if not phrase:
                continue
            found = self.lookup(phrase)
            if found is None and words[0].casefold() in HONORIFICS and n > 1:
                found = self.lookup(strip_trailing(" ".join(words[1:n])))
            if found is not None:
                return found
        return None


def _capitalised_run(words):
    """`@Dr. Helen Park said` -> Dr. Helen Park; `@Nguyễn Thị Lan.` -> Nguyễn Thị Lan."""
    out = []
    for index, word in enumerate(words[:4]):
        bare = strip_trailing(word)
        if not bare:
            break
        capital = bare[0].isupper()
        if not (capital or (out and bare.casefold() in PARTICLES and index < len(words) - 1)):
            break
        honorific = index == 0 and word.casefold() in HONORIFICS
        out.append(word if honorific else bare)
        if bare != word and not honorific:
            break  # punctuation after the word ends the name
    while out and out[-1].casefold() in PARTICLES:
        out.pop()
    name = " ".join(out)
    return name if any(c.isalpha() for c in name) else ""


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
