"""Skill assessors: propose, for one data entry, a level per rubric skill with a
confidence, a justification and the exact quote that supports it.

The default `RulesAssessor` runs offline and deterministically: it splits the
entry into sentences, looks for the rubric's indicator phrases (all words of a
phrase in one sentence, lightly stemmed), and scores each level. Teacher
corrections are its worked examples: when a new entry resembles an entry a
teacher corrected (word-set similarity), the proposal moves toward the
teacher's level. Every quote is a slice of the entry's own text.

`LLMAssessor` is an optional backend for operators who configure a language
model (settings.BASECAMP_ASSESSOR = "llm" plus BASECAMP_LLM_URL/MODEL/API_KEY);
it is never the default and its answers are checked the same way (a quote that
does not occur in the entry is dropped)."""

import json
import re
import urllib.request
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

LEVELS = ["Emerging", "Developing", "Proficient", "Advanced"]
MAX_QUOTE = 280
ADOPT_SIMILARITY = 0.5
NUDGE_SIMILARITY = 0.3
STOPWORDS = frozenset(
    "a an and are as at be been but by did do for from had has have he her him his i in is it its me my of on or our "
    "she so that the their them then there they this to was we were what when which who will with you your".split()
)
WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


def stem(word: str) -> str:
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s") or word.endswith("n't"):
        word = word[:-2] if word.endswith("'s") else word
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("\u2019", "'"))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def content_tokens(text: str) -> frozenset:
    """The words that carry meaning (no stopwords), stemmed: what similarity compares."""
    return frozenset(s for w in words(text) if w not in STOPWORDS for s in [stem(w)])


def jaccard(a, b) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    stems: frozenset


def sentences(content: str) -> list[Sentence]:
    """Sentence spans of `content` (whitespace trimmed), so a quote is always content[start:end]."""
    found = []
    for match in SENTENCE_RE.finditer(content):
        start, end = match.span()
        while start < end and content[start].isspace():
            start += 1
        while end > start and content[end - 1].isspace():
            end -= 1
        if end > start and WORD_RE.search(content[start:end].lower()):
            found.append(Sentence(start, end, frozenset(stems(content[start:end]))))
    return found


def phrase_in(phrase_stems, sentence_stems) -> bool:
    """Every word of the phrase in the sentence (a long stem also matches as a prefix: procrastinat-)."""
    if not phrase_stems:
        return False
    for p in phrase_stems:
        if p in sentence_stems:
            continue
        if len(p) < 6 or not any(tok.startswith(p) for tok in sentence_stems):
            return False
    return True


def quantize(value: float) -> Decimal:
    return Decimal(str(min(max(value, 0.0), 1.0))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class RubricEntry:
    name: str
    category: str
    descriptors: dict
    indicators: dict
    cues: list
    rubric_version: str = "1.0"

    @classmethod
    def from_model(cls, row):
        return cls(row.name, row.category, row.descriptors, row.indicators, row.cues, row.rubric_version)


@dataclass
class WorkedExample:
    """A teacher correction, as the assessor uses it."""

    correction_id: int
    skill_name: str
    corrected_level: str
    original_level: str
    content: str
    source_quote: str = ""
    teacher_notes: str = ""
    tokens: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self):
        if not self.tokens:
            self.tokens = content_tokens(self.content)


@dataclass
class Proposal:
    skill_name: str
    skill_category: str
    level: str
    confidence: Decimal
    justification: str
    source_quote: str
    quote_start: int
    rubric_version: str
    evidence: list = field(default_factory=list)
    example_id: int | None = None
    similarity: float = 0.0


class RulesAssessor:
    """Deterministic, offline: indicator phrases + sentence scoring + worked examples."""

    name = "rules"

    def __init__(self, skills, examples=()):
        self.skills = [s if isinstance(s, RubricEntry) else RubricEntry.from_model(s) for s in skills]
        self.examples = {}
        for example in examples:
            self.examples.setdefault(example.skill_name, []).append(example)
        self._phrases = {
            s.name: {lvl: [(p, stems(p)) for p in s.indicators.get(lvl, [])] for lvl in LEVELS} for s in self.skills
        }
        self._cues = {s.name: [stems(c) for c in s.cues] for s in self.skills}

    def assess(self, content: str) -> list[Proposal]:
        spans = sentences(content)
        entry_tokens = content_tokens(content)
        proposals = []
        for skill in self.skills:
            proposal = self._assess_skill(skill, content, spans, entry_tokens)
            if proposal is not None:
                proposals.append(proposal)
        return proposals

    # -- one skill
    def _assess_skill(self, skill, content, spans, entry_tokens):
        votes = dict.fromkeys(LEVELS, 0.0)
        best_sentence = {}  # level -> (score, sentence, phrases)
        matched = dict.fromkeys(LEVELS, ())
        cue_sentence, cue_best = None, 0
        for sentence in spans:
            cue_hits = sum(1 for cue in self._cues[skill.name] if phrase_in(cue, sentence.stems))
            if cue_hits > cue_best:
                cue_best, cue_sentence = cue_hits, sentence
            for level in LEVELS:
                phrases = [p for p, ps in self._phrases[skill.name][level] if phrase_in(ps, sentence.stems)]
                if not phrases:
                    continue
                score = sum(1 + 0.25 * (len(p.split()) - 1) for p in phrases)
                votes[level] += score
                matched[level] = matched[level] + tuple(phrases)
                if score + 0.1 * cue_hits > best_sentence.get(level, (0,))[0]:
                    best_sentence[level] = (score + 0.1 * cue_hits, sentence, phrases)
        total = sum(votes.values())
        if total == 0:
            if cue_best < 2:
                return None
            # The entry speaks to the skill but shows no level: a weak, reviewable guess.
            level, sentence, confidence = "Developing", cue_sentence, 0.3
            reason = (f"The entry mentions {skill.name.lower()} but none of the rubric's level indicators; "
                      f"Developing is a placeholder for a teacher to confirm.")
            evidence = []
        else:
            ranked = sorted(LEVELS, key=lambda lvl: (-votes[lvl], LEVELS.index(lvl)))
            level = ranked[0]
            top, second = votes[ranked[0]], votes[ranked[1]]
            sentence = best_sentence[level][1]
            evidence = list(dict.fromkeys(matched[level]))
            confidence = 0.45 + 0.1 * min(votes[level], 3) + 0.2 * ((top - second) / top) - 0.1 * (second > 0)
            phrase_list = ", ".join(f"'{p}'" for p in evidence[:3])
            reason = (f"Matches the {level} indicator{'s' if len(evidence) > 1 else ''} {phrase_list} for {skill.name}. "
                      f"Rubric {skill.rubric_version}, {level}: {skill.descriptors.get(level, '')}")
            if second > 0:
                reason += f" Other levels also had evidence ({', '.join(f'{lvl} {votes[lvl]:g}' for lvl in ranked[1:] if votes[lvl])})."
        start, end = self._quote_span(content, sentence, evidence)
        proposal = Proposal(
            skill_name=skill.name, skill_category=skill.category, level=level, confidence=quantize(confidence),
            justification=reason, source_quote=content[start:end], quote_start=start,
            rubric_version=skill.rubric_version, evidence=evidence,
        )
        self._apply_examples(proposal, entry_tokens, content_tokens(proposal.source_quote))
        return proposal

    @staticmethod
    def _quote_span(content, sentence, evidence):
        start, end = sentence.start, sentence.end
        if end - start <= MAX_QUOTE:
            return start, end
        # A long sentence: a window of whole words around the first indicator word.
        text = content[start:end].lower()
        anchor = 0
        for phrase in evidence:
            first = words(phrase)[0] if words(phrase) else ""
            found = text.find(first) if first else -1
            if found >= 0:
                anchor = found
                break
        lo = max(0, anchor - MAX_QUOTE // 3)
        hi = min(len(text), lo + MAX_QUOTE)
        while lo > 0 and not text[lo - 1].isspace():
            lo += 1
        while hi < len(text) and not text[hi].isspace() and hi > lo + 1:
            hi -= 1
        window_start, window_end = start + lo, start + hi
        while window_start < window_end and content[window_start].isspace():
            window_start += 1
        while window_end > window_start and content[window_end - 1].isspace():
            window_end -= 1
        return (window_start, window_end) if window_end > window_start else (start, end)

    def _apply_examples(self, proposal, entry_tokens, quote_tokens):
        best, best_sim = None, 0.0
        for example in self.examples.get(proposal.skill_name, ()):
            sim = max(jaccard(entry_tokens, example.tokens), jaccard(quote_tokens, content_tokens(example.source_quote)))
            if sim > best_sim or (sim == best_sim and best is not None and example.correction_id > best.correction_id):
                best, best_sim = example, sim
        if best is None or best_sim < NUDGE_SIMILARITY or best.corrected_level == proposal.level:
            if best is not None and best_sim >= ADOPT_SIMILARITY and best.corrected_level == proposal.level:
                # A teacher settled this level on a similar entry: more sure.
                proposal.confidence = quantize(max(float(proposal.confidence), 0.5 + 0.4 * best_sim))
                proposal.example_id, proposal.similarity = best.correction_id, round(best_sim, 2)
            return
        old = proposal.level
        if best_sim >= ADOPT_SIMILARITY:
            new = best.corrected_level
            proposal.confidence = quantize(0.4 + 0.4 * best_sim)
        else:
            step = 1 if LEVELS.index(best.corrected_level) > LEVELS.index(old) else -1
            new = LEVELS[LEVELS.index(old) + step]
            proposal.confidence = quantize(min(float(proposal.confidence), 0.6) - 0.1)
        proposal.level = new
        proposal.example_id, proposal.similarity = best.correction_id, round(best_sim, 2)
        note = f" Teacher's note: {best.teacher_notes}" if best.teacher_notes else ""
        proposal.justification = (
            f"{new} (indicators alone suggested {old}): a teacher corrected a similar entry "
            f"(correction #{best.correction_id}, similarity {best_sim:.2f}) from {best.original_level} to "
            f"{best.corrected_level}.{note} Indicator evidence: {proposal.justification}"
        )


class LLMAssessor:
    """Optional: asks an OpenAI-compatible chat endpoint. Never the default and
    never used by the test suite; configure BASECAMP_ASSESSOR="llm" and
    BASECAMP_LLM_URL, BASECAMP_LLM_MODEL, BASECAMP_LLM_API_KEY."""

    name = "llm"

    def __init__(self, skills, examples=(), *, url=None, model=None, api_key=None, timeout=60):
        self.skills = [s if isinstance(s, RubricEntry) else RubricEntry.from_model(s) for s in skills]
        self.examples = list(examples)[:5]
        self.url = url or settings.BASECAMP_LLM_URL
        self.model = model or settings.BASECAMP_LLM_MODEL
        self.api_key = api_key if api_key is not None else settings.BASECAMP_LLM_API_KEY
        self.timeout = timeout
        if not self.url or not self.model:
            raise RuntimeError("The LLM assessor needs BASECAMP_LLM_URL and BASECAMP_LLM_MODEL.")

    def prompt(self, content):
        rubric = {s.name: {"category": s.category, "levels": s.descriptors} for s in self.skills}
        shots = [
            {"skill": e.skill_name, "quote": e.source_quote, "teacher_level": e.corrected_level, "notes": e.teacher_notes}
            for e in self.examples
        ]
        return (
            "Assess the student's skills in the entry against the rubric. Answer with a JSON list of objects "
            '{"skill_name", "level", "confidence" (0-1), "justification", "source_quote"}; source_quote must be '
            "copied exactly from the entry. Only include skills the entry gives evidence for.\n"
            f"Rubric: {json.dumps(rubric)}\nTeacher corrections to learn from: {json.dumps(shots)}\nEntry:\n{content}"
        )

    def assess(self, content: str) -> list[Proposal]:
        body = json.dumps({"model": self.model, "messages": [{"role": "user", "content": self.prompt(content)}], "temperature": 0})
        request = urllib.request.Request(self.url, data=body.encode(), headers={
            "Content-Type": "application/json", **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}),
        })
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (operator-configured URL)
            answer = json.loads(response.read())
        text = answer["choices"][0]["message"]["content"]
        return self.parse(content, text)

    def parse(self, content, text):
        match = re.search(r"\[.*\]", text, re.S)
        items = json.loads(match.group(0)) if match else []
        by_name = {s.name: s for s in self.skills}
        proposals = []
        for item in items:
            skill = by_name.get(item.get("skill_name"))
            quote = str(item.get("source_quote", "")).strip()
            level = item.get("level")
            if skill is None or level not in LEVELS or not quote or quote not in content:
                continue
            try:
                confidence = quantize(float(item.get("confidence", 0.5)))
            except (TypeError, ValueError):
                confidence = Decimal("0.50")
            proposals.append(Proposal(
                skill_name=skill.name, skill_category=skill.category, level=level, confidence=confidence,
                justification=str(item.get("justification", ""))[:2000] or f"{level} (language model).",
                source_quote=quote, quote_start=content.index(quote), rubric_version=skill.rubric_version,
            ))
        return proposals


ASSESSORS = {"rules": RulesAssessor, "llm": LLMAssessor}


def assessor_name() -> str:
    return settings.BASECAMP_ASSESSOR or "rules"


def build_assessor(skills, examples=(), name=None):
    name = name or assessor_name()
    if name not in ASSESSORS:
        raise ValueError(f"Unknown BASECAMP_ASSESSOR {name!r}; choose one of {sorted(ASSESSORS)}.")
    return ASSESSORS[name](skills, examples)
