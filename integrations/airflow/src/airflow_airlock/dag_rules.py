"""The assertion's ``dag_rules`` claim: the person's per-DAG rules for this environment (docs/assertion-contract.md).

Pure: no Airflow import. The gateway (src/policy/dag-rules-claim.ts) builds the claim so that evaluating it here
gives exactly what the gateway's own rule evaluation (EnvRules.evaluate) decides:

- each entry is one rule that affects the person: one selector (``every``, ``dag_ids``, ``match`` glob,
  ``regex``, ``tags``, ``owners``) and ``o``, one letter per action in ACTIONS order:
  ``d`` the rule denies it to the person, ``a`` allows it to the person, ``r`` allows it to others only,
  ``-`` says nothing;
- for one DAG and action: any ``d`` -> deny; else any ``a`` -> allow; else any ``r`` -> restricted; else none
  (the Airflow role decides). When the DAG's tags/owners are unknown, a tags/owners entry with ``d`` or ``r``
  for the action makes it deny (fail closed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

#: Actions, in the claim's letter order.
ACTIONS = ("read", "create", "edit", "delete", "trigger", "clear", "pause", "mark_success", "mark_failed")
WRITE_ACTIONS = tuple(a for a in ACTIONS if a != "read")
SELECTORS = ("every", "dag_ids", "match", "regex", "tags", "owners")
MAX_REGEX_LENGTH = 500
_LETTERS = re.compile(r"[dar-]{%d}" % len(ACTIONS))
#: Characters with a meaning in a pattern; escaping them is portable.
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")


@dataclass(frozen=True)
class DagMeta:
    """A DAG's tags and owners (None for a DAG whose metadata is unknown)."""

    tags: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()


NO_META = DagMeta()


def _control(c: str) -> bool:
    return ord(c) < 0x20 or ord(c) == 0x7F or c in "\u2028\u2029"


def check_portable_regex(src: str) -> None:
    """Raises ValueError unless ``src`` is in the dialect Python's ``re`` and JavaScript agree on (see
    src/policy/portable-regex.ts, the same grammar): literals, ``. ^ $ |``, ``( )``/``(?: )``, quantifiers
    ``* + ? {n} {n,} {n,m}`` (optionally lazy), classes of literals/escapes/ranges, escaped syntax characters."""
    if not isinstance(src, str) or not 0 < len(src) <= MAX_REGEX_LENGTH:
        raise ValueError(f"regex length must be 1..{MAX_REGEX_LENGTH}")
    i, depth, atom, n = 0, 0, False, len(src)

    def fail(why: str) -> None:
        raise ValueError(f"regex {src!r} is outside the portable dialect (at {i}: {why})")

    def class_atom() -> int:
        nonlocal i
        if i >= n:
            fail("unterminated class")
        c = src[i]
        if c == "\\":
            e = src[i + 1] if i + 1 < n else ""
            if not (e in _SYNTAX or e == "-") or e == "":
                fail(f"escape \\{e} is not portable")
            i += 2
            return ord(e)
        if c == "[":
            fail('"[" inside a class')
        if _control(c):
            fail("control character")
        i += 1
        return ord(c)

    while i < n:
        c = src[i]
        if c == "\\":
            e = src[i + 1] if i + 1 < n else ""
            if e == "" or e not in _SYNTAX:
                fail(f"escape \\{e} is not portable")
            i += 2
            atom = True
        elif c == "(":
            if src.startswith("(?", i):
                if not src.startswith("(?:", i):
                    fail("only (?: ) groups are portable")
                i += 3
            else:
                i += 1
            depth += 1
            atom = False
        elif c == ")":
            if depth == 0:
                fail('unbalanced ")"')
            depth -= 1
            i += 1
            atom = True
        elif c in "|^$":
            i += 1
            atom = False
        elif c in "*+?{":
            if not atom:
                fail("quantifier without something to repeat")
            if c == "{":
                m = re.match(r"\{(\d{1,4})(,(\d{1,4})?)?\}", src[i:])
                if not m:
                    fail("only {n}, {n,} and {n,m} are portable")
                if m.group(3) is not None and int(m.group(3)) < int(m.group(1)):
                    fail("quantifier range out of order")
                i += len(m.group(0))
            else:
                i += 1
            if i < n and src[i] == "?":
                i += 1
            if i < n and src[i] in "*+?{":
                fail("quantifier after a quantifier")
            atom = False
        elif c == "[":
            i += 1
            if i < n and src[i] == "^":
                i += 1
            members = 0
            while i >= n or src[i] != "]":
                if i >= n:
                    fail("unterminated class")
                if src[i : i + 2] in ("--", "&&", "~~", "||"):
                    fail(f"{src[i:i + 2]!r} in a class")
                lo = class_atom()
                if i + 1 < n and src[i] == "-" and src[i + 1] != "]":
                    i += 1
                    hi = class_atom()
                    if hi < lo:
                        fail("class range out of order")
                    if i + 1 < n and src[i] == "-" and src[i + 1] != "]":
                        fail('"-" right after a range')
                members += 1
            if members == 0:
                fail("empty class")
            i += 1
            atom = True
        elif c in "]}":
            fail(f'unescaped "{c}"')
        elif _control(c):
            fail("control character")
        else:
            i += 1
            atom = True
    if depth != 0:
        fail('unbalanced "("')
    re.compile(src)


def glob_regex(glob: str) -> re.Pattern[str]:
    """The gateway's glob: ``*`` any run of characters, ``?`` one character, anchored at both ends."""
    out = []
    for ch in glob:
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("^" + "".join(out) + "$")


@dataclass(frozen=True)
class _Entry:
    letters: str
    uses_meta: bool
    selects: Callable[[str, "DagMeta | None"], bool]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(isinstance(v, str) and v for v in value)


class DagRules:
    """A parsed ``dag_rules`` claim."""

    def __init__(self, entries: Sequence[_Entry], raw: list) -> None:
        self._entries = tuple(entries)
        self.raw = raw

    @classmethod
    def parse(cls, value: Any) -> "DagRules":
        """Checks the claim's shape; raises ValueError on anything the contract does not allow."""
        if not isinstance(value, list):
            raise ValueError("dag_rules must be a list")
        entries: list[_Entry] = []
        for i, e in enumerate(value):
            if not isinstance(e, dict):
                raise ValueError(f"dag_rules[{i}] must be an object")
            letters = e.get("o")
            if not isinstance(letters, str) or not _LETTERS.fullmatch(letters):
                raise ValueError(f"dag_rules[{i}].o must be {len(ACTIONS)} letters of d, a, r, -")
            keys = [k for k in e if k != "o"]
            if len(keys) != 1 or keys[0] not in SELECTORS:
                raise ValueError(f"dag_rules[{i}] must have exactly one selector of {', '.join(SELECTORS)}")
            kind, v = keys[0], e[keys[0]]
            if kind == "every" and v is True:
                entries.append(_Entry(letters, False, lambda d, m: True))
            elif kind == "dag_ids" and _strings(v):
                ids = frozenset(v)
                entries.append(_Entry(letters, False, lambda d, m, ids=ids: d in ids))
            elif kind == "match" and isinstance(v, str) and v:
                rx = glob_regex(v)
                entries.append(_Entry(letters, False, lambda d, m, rx=rx: rx.search(d) is not None))
            elif kind == "regex" and isinstance(v, str) and v:
                check_portable_regex(v)
                rx = re.compile(v)
                entries.append(_Entry(letters, False, lambda d, m, rx=rx: rx.search(d) is not None))
            elif kind in ("tags", "owners") and _strings(v):
                want = frozenset(v)
                entries.append(_Entry(letters, True, lambda d, m, want=want, kind=kind: m is not None and any(x in want for x in getattr(m, kind))))
            else:
                raise ValueError(f"dag_rules[{i}]: bad {kind} selector")
        return cls(entries, value)

    @property
    def needs_metadata(self) -> bool:
        """Whether some entry selects by tags or owners (then callers must pass each DAG's metadata)."""
        return any(e.uses_meta for e in self._entries)

    def outcome(self, dag_id: str, action: str, meta: DagMeta | None) -> str:
        """none | deny | allow | restricted | metadata_unavailable (as the gateway's EnvRules.evaluate)."""
        k = ACTIONS.index(action)
        if meta is None and any(e.uses_meta and e.letters[k] in "dr" for e in self._entries):
            return "metadata_unavailable"
        allow = restricted = False
        for e in self._entries:
            letter = e.letters[k]
            if letter == "-" or not e.selects(dag_id, meta):
                continue
            if letter == "d":
                return "deny"
            if letter == "a":
                allow = True
            else:
                restricted = True
        return "allow" if allow else "restricted" if restricted else "none"

    def permits(self, dag_id: str, action: str, meta: DagMeta | None) -> bool:
        return self.outcome(dag_id, action, meta) in ("allow", "none")

    def readable(self, dag_id: str, meta: DagMeta | None) -> bool:
        return self.permits(dag_id, "read", meta)

    def editable(self, dag_id: str, meta: DagMeta | None) -> bool:
        """Airflow's "edit DAG" (PUT): the person may read the DAG and the rules leave at least one write action
        on it (the gateway checks the exact action of every request; this decides what Airflow offers and lists:
        some Airflow lists, such as DAG runs, are filtered by "editable", so it never includes an unreadable DAG)."""
        return self.readable(dag_id, meta) and any(self.permits(dag_id, a, meta) for a in WRITE_ACTIONS)

    def restricts(self, actions: Iterable[str]) -> bool:
        """Whether some entry can take one of ``actions`` away on some DAG ("all DAGs" is then not granted)."""
        idx = [ACTIONS.index(a) for a in actions]
        return any(e.letters[k] in "dr" for e in self._entries for k in idx)

    def permits_class(self, dag_id: str, cls: str, meta: DagMeta | None) -> bool:
        """cls: read | edit | delete (what an Airflow DAG method asks)."""
        if cls == "read":
            return self.readable(dag_id, meta)
        if cls == "delete":
            return self.permits(dag_id, "delete", meta)
        return self.editable(dag_id, meta)

    def restricts_class(self, cls: str) -> bool:
        """Whether "every DAG" is not granted for cls; edit needs read too, so any restriction counts."""
        return self.restricts(("read",) if cls == "read" else ("delete",) if cls == "delete" else ACTIONS)


def meta_from(tags: Iterable[str] | None, owners: Iterable[str] | None) -> DagMeta:
    return DagMeta(tuple(tags or ()), tuple(owners or ()))


def owners_from_column(owners: str | None) -> tuple[str, ...]:
    """DagModel.owners as Airflow's REST API reports it (``owners.split(",")``), which is what the gateway reads."""
    return tuple(owners.split(",")) if owners else ()


MetaLookup = Callable[[Iterable[str]], Mapping[str, DagMeta]]
