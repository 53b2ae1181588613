"""Notes that look alike: grouping suggestions computed here, from the notes alone.

Pure text work, no model and no outside service: each note becomes the stems of
its words (Snowball's English stemmer; English and Welsh stop words dropped),
pairs are scored by the cosine of their stems weighted by how rare each stem is
among the room's notes (TF-IDF), with RapidFuzz's token-set ratio catching
misspelt stems; groups grow by average linkage, so one loose pair cannot chain
two unrelated groups together; notes with the same words are one group however
common their words are. Each group is labelled with the words its notes share, in
their own spelling. Nothing is merged: the facilitator decides.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

PAIR = 0.30
"""A pair of notes this alike (0–1) may be suggested together."""
GROUP = 0.28
"""Two groups join when their notes are, on average, this alike."""
THEME = 0.16
"""The looser bar for themes (when the circle is large)."""
FAINT = 0.1
"""Likeness below this counts as none when groups are compared (a word in common, no more)."""
COMMON_FROM, COMMON_SHARE = 40, 0.25
"""A stem in more notes than both of these (a count, a share) links no pair on its own."""
LARGEST = 50
"""A group holds at most this many notes (what one merge or dismissal takes)."""
THEMES_FROM = 24
"""Themes are suggested once a circle holds this many notes."""
FUZZY = 80
"""RapidFuzz ratio (0–100) from which two stems of five letters or more count as one
(a misspelling: "inform", "infoma")."""

_ENGLISH = """
a about above after again all also am an and any are as at be been before being
between both but by can could did do does doing down during each every few for from
further get had has have having he her here hers him his how i if in into is it its
itself just let me more most much must my no nor not now of off on once one only or
other our ours out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up upon very was we
well were what when where which while who whom why will with within without would
you your yours us make made ensure sure need needs way ways able across whole
everyone everything together work works working multi agency agencies
"""
"""English stop words: function words, and words every note of this workshop uses."""
_WELSH = """
a ac ar at am y yr r o i yn ei eu ein eich fy dy gan gyda heb hefyd neu ond os pan
fel mae maen mai bod yw ydy oedd roedd fydd bydd sydd nid na nad ni chi nhw hi fe fo
e ef mi ti hyn hynny hon hwn honno hwnnw pob pawb dros drwy trwy wedi wrth rhwng
tuag er ers sut beth pwy ble pam gall gallu dylai angen
"""
"""Welsh stop words: articles, prepositions, conjunctions, pronouns, common verb forms
(Snowball has no Welsh stemmer: Welsh words are compared as written)."""
STOP_WORDS = frozenset(_ENGLISH.split()) | frozenset(_WELSH.split())
CANONICAL = {  # spellings the stemmer leaves apart
    "children": "child",
    "kids": "child",
    "pupils": "pupil",
    "info": "information",
    "carers": "carer",
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A word's stem, cut to six letters (a lighter second stemmer: "healthili", "health")."""
    return str(_STEMMER.stemWord(CANONICAL.get(word, word)))[:6]


@dataclass(frozen=True, slots=True)
class Group:
    """Notes that look alike: their ids (in the order given), a label, a score (0–1)."""

    note_ids: tuple[str, ...]
    label: str
    score: float

    def public(self) -> dict[str, object]:
        return {"note_ids": list(self.note_ids), "label": self.label, "score": self.score}


@dataclass(frozen=True, slots=True)
class Words:
    """A note's words as the scoring sees them: stems, and each stem's own spelling."""

    stems: frozenset[str]
    spelling: dict[str, str]


@lru_cache(maxsize=4096)
def words(text: str) -> Words:
    """The stems of a note's words, stop words left out."""
    stems: set[str] = set()
    spelling: dict[str, str] = {}
    for raw in _WORD.findall(text):
        lower = raw.lower().replace("’", "'")
        for part in re.split(r"[-']", lower):
            if len(part) < 2 or part in STOP_WORDS:
                continue
            stem = _STEMMER.stemWord(CANONICAL.get(part, part))[:7]
            stems.add(stem)
            spelling.setdefault(stem, part)
    return Words(frozenset(stems), spelling)


def similarities(
    notes: Sequence[Words], counted: Sequence[Words] | None = None
) -> dict[tuple[int, int], float]:
    """How alike each pair of notes is (only pairs that share something), 0–1; how rare
    a stem is, among `counted` (the room's notes, where `notes` leaves repeats out)."""
    every = _near_spellings([*notes, *(counted or ())])
    notes, room = every[: len(notes)], every[len(notes) :] or every
    count = len(room)
    df = Counter(stem for note in room for stem in note.stems)
    idf = {stem: math.log((1 + count) / (1 + n)) + 1 for stem, n in df.items()}
    norms = [math.sqrt(sum(idf[s] ** 2 for s in note.stems)) or 1.0 for note in notes]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, note in enumerate(notes):
        for stem in note.stems:
            postings[stem].append(index)
    dots: dict[tuple[int, int], float] = defaultdict(float)
    common = max(COMMON_FROM, count * COMMON_SHARE)
    for stem, holders in postings.items():
        if len(holders) > common:  # too common to tell notes apart (and quadratic)
            continue
        weight = idf[stem] ** 2
        for i, a in enumerate(holders):
            for b in holders[i + 1 :]:
                dots[(a, b)] += weight
    scores = {pair: dot / (norms[pair[0]] * norms[pair[1]]) for pair, dot in dots.items()}
    return scores


def _near_spellings(notes: Sequence[Words]) -> list[Words]:
    """The notes with stems spelt nearly alike ("inform", "infoma") made one (RapidFuzz)."""
    stems = sorted({stem for note in notes for stem in note.stems if len(stem) >= 5})
    same: dict[str, str] = {}
    for stem in stems:
        if stem in same:
            continue
        for other, _, _ in process.extract(
            stem, stems, scorer=fuzz.ratio, score_cutoff=FUZZY, limit=None
        ):
            same.setdefault(other, stem)
    return [Words(frozenset(same.get(s, s) for s in note.stems), note.spelling) for note in notes]


def _cluster(
    count: int, scores: dict[tuple[int, int], float], pair: float, group: float
) -> list[list[int]]:
    """Average-linkage clusters of two or more, joined only over pairs above `pair`.

    The sums of similarity between clusters are kept as clusters merge, so each pair of
    notes is looked at once (no all-pairs recount when a group grows)."""
    members: dict[int, list[int]] = {i: [i] for i in range(count)}
    home = list(range(count))
    links: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), score in scores.items():
        if score >= FAINT:
            links[a][b] = score
            links[b][a] = score
    edges = sorted(((-score, a, b) for (a, b), score in scores.items() if score >= pair))
    for _, a, b in edges:
        left, right = home[a], home[b]
        if left == right:
            continue
        total = links[left].get(right, 0.0)
        if total / (len(members[left]) * len(members[right])) < group:
            continue
        for moved in members[right]:
            home[moved] = left
        members[left] += members.pop(right)
        for other, value in links.pop(right).items():
            if other == left:
                continue
            links[other].pop(right, None)
            merged = links[left].get(other, 0.0) + value
            links[left][other] = merged
            links[other][left] = merged
        links[left].pop(right, None)
    return [sorted(found) for found in members.values() if len(found) > 1]


def _label(notes: Sequence[Words], indices: Iterable[int], idf_of: Counter[str]) -> str:
    """The words the group's notes share most (in the notes' own spelling), up to three."""
    chosen = list(indices)
    shared = Counter(stem for i in chosen for stem in notes[i].stems)
    needed = 2 if len(chosen) > 1 else 1
    ranked = sorted(
        (stem for stem, n in shared.items() if n >= needed),
        key=lambda stem: (-shared[stem], idf_of[stem], stem),
    )[:3]
    if not ranked:
        ranked = sorted(shared, key=lambda stem: (-shared[stem], stem))[:2]
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for i in chosen:
        for stem, spelt in notes[i].spelling.items():
            spellings[stem][spelt] += 1
    return " · ".join(spellings[stem].most_common(1)[0][0] for stem in ranked)


def _groups(
    ids: Sequence[str],
    notes: Sequence[Words],
    scores: dict[tuple[int, int], float],
    pair: float,
    group: float,
) -> list[Group]:
    df: Counter[str] = Counter(stem for note in notes for stem in note.stems)
    found = []
    for indices in _cluster(len(ids), scores, pair, group):
        pairs = [(a, b) for k, a in enumerate(indices) for b in indices[k + 1 :]]
        score = sum(scores.get(p, 0.0) for p in pairs) / len(pairs)
        found.append(
            Group(
                tuple(ids[i] for i in indices),
                _label(notes, indices, df),
                round(min(1.0, score), 3),
            )
        )
    return sorted(found, key=lambda g: (-g.score, g.note_ids))


def analyse(
    texts: Sequence[tuple[str, str]],
    *,
    apart: frozenset[frozenset[str]] = frozenset(),
    with_themes: bool = True,
) -> tuple[list[Group], list[Group]]:
    """Groups of notes that look alike, and (for a large circle) broader themes, from
    (note id, text) pairs; each note in at most one group and one theme. `apart`: pairs
    of note ids the facilitator said are not alike (never suggested together again).

    Notes with the same words (but for numbers, case and stop words) are alike whatever
    else the room wrote: the first of them stands for the others in the scoring (however
    common its words), and they join its group after (`_Same`)."""
    same = _Same(texts, apart)
    ids = [texts[i][0] for i in same.kept]
    notes = [same.words[i] for i in same.kept]
    scores = similarities(notes, same.words)
    if apart:
        scores = {p: s for p, s in scores.items() if frozenset((ids[p[0]], ids[p[1]])) not in apart}
    groups = same.expand(_groups(ids, notes, scores, PAIR, GROUP))
    if not with_themes or len(texts) < THEMES_FROM:
        return groups, []
    found = same.expand(_groups(ids, notes, scores, THEME, THEME))
    return groups, [theme for theme in found if len(theme.note_ids) >= 3]


class _Same:
    """Notes with the same stems, each set's first kept for the scoring (`kept`: indices),
    the others (`of`: first → theirs) joined to its group after (unless said apart from
    one in it), or made a group of their own. A note said to be apart from one of its
    set is kept on its own."""

    def __init__(self, texts: Sequence[tuple[str, str]], apart: frozenset[frozenset[str]]):
        self.ids = [note_id for note_id, _ in texts]
        self.words = [words(text) for _, text in texts]
        self.kept: list[int] = []
        self.of: dict[str, list[str]] = {}
        self.partners: dict[str, set[str]] = defaultdict(set)  # (whom each is apart from)
        for pair in apart:
            for one in pair:
                self.partners[one] |= pair - {one}
        first: dict[frozenset[str], int] = {}
        for index, note in enumerate(self.words):
            lead = first.get(note.stems) if note.stems else None
            if lead is not None:
                mine, leader = self.ids[index], self.ids[lead]
                away = self.partners.get(mine)
                if not away or not away & {leader, *self.of[leader]}:
                    self.of[leader].append(mine)
                    continue
            if note.stems and lead is None:
                first[note.stems] = index
            self.of[self.ids[index]] = []
            self.kept.append(index)

    def expand(self, groups: list[Group]) -> list[Group]:
        """The groups with each first's others in them, and the sets left alone as groups."""
        found: list[Group] = []
        grouped: set[str] = set()
        for group in groups:
            members = list(group.note_ids)
            for lead in group.note_ids:  # (each one's others, but none said apart from one)
                members += [m for m in self.of[lead] if not self._apart(m, members)]
            grouped.update(group.note_ids)
            found.append(Group(_capped(members), group.label, group.score))
        at = {note_id: index for index, note_id in enumerate(self.ids)}
        for lead, others in self.of.items():
            if others and lead not in grouped:
                same = _capped([lead, *others])  # (all the same words: df unneeded)
                label = _label(self.words, [at[m] for m in same], Counter())
                found.append(Group(same, label, 1.0))
        return sorted(found, key=lambda g: (-g.score, g.note_ids))

    def _apart(self, note_id: str, members: list[str]) -> bool:
        away = self.partners.get(note_id)
        return away is not None and not away.isdisjoint(members)


def _capped(members: list[str]) -> tuple[str, ...]:
    """A group's first LARGEST notes (what one merge takes; the rest are suggested once
    these are merged)."""
    return tuple(members[:LARGEST])


def suggest(
    texts: Sequence[tuple[str, str]], *, apart: frozenset[frozenset[str]] = frozenset()
) -> list[Group]:
    """Groups of notes that look alike (see `analyse`)."""
    return analyse(texts, apart=apart, with_themes=False)[0]


def themes(texts: Sequence[tuple[str, str]]) -> list[Group]:
    """Broader themes of a large circle (three notes or more each), each labelled from
    the notes' own words; none while it holds fewer than THEMES_FROM notes."""
    return analyse(texts)[1]
