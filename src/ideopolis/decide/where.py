"""Shortlist filters: a small, safe expression language over region attributes (``--where``).

``population >= 250000 and type == 'metro'`` is parsed by a hand-written tokenizer and recursive-descent
parser into a tree of comparisons, and evaluated column by column on a table of region attributes. Nothing
the user typed is ever evaluated as code: there is no ``eval``, no ``pandas.DataFrame.query`` (whose
``python`` engine evaluates Python) and no attribute access; the only operations are the comparisons below.

Grammar (keywords in any case)::

    expression := or
    or         := and ( ("or" | "|") and )*
    and        := not ( ("and" | "&") not )*
    not        := ("not" | "!") not | test
    test       := "(" expression ")"
                | value [ ("==" | "!=" | "<" | "<=" | ">" | ">=") value ]
                | value ["not"] "in" "[" literal ("," literal)* "]"
                | value ["not"] "contains" string
                | value "is" ["not"] "missing"
    value      := column | literal
    column     := name | `any text in backticks`
    literal    := number | string | true | false
    number     := 250000 | 250_000 | 2.5e5 | 250k | 1.5m   (k = thousand, m = million)
    string     := 'text' | "text"          (a backslash escapes the quote)

A bare column (``eu27``) must be true/false. Text compares without regard to case or accents (``type ==
'Metro'`` matches ``metro``). Missing values follow SQL's three-valued logic: a comparison with a missing value
is *unknown*, ``not unknown`` is unknown, and a region is kept only when the whole expression is *true*; use
``x is missing`` to select them.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"population": [1e5, 3e5, 9e5], "type": ["micro", "metro", "metro"]}, index=["a", "b", "c"])
>>> parse("population >= 250k and type == 'metro'").evaluate(table).tolist()
[False, True, True]
>>> parse("not (type in ['metro'])").evaluate(table).tolist()
[True, False, False]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError
from ideopolis.regions.lookup import fold

__all__ = ["Expression", "WhereError", "parse"]

#: Longest expression accepted (characters) and deepest nesting (parentheses and ``not``).
MAX_LENGTH = 2000
MAX_DEPTH = 40


class WhereError(ConfigError):
    """A shortlist expression cannot be parsed or does not fit the region attributes."""


# ---------------------------------------------------------------------------------------------------------
# tokens

TokenKind = Literal["name", "number", "string", "op", "lparen", "rparen", "lbracket", "rbracket", "comma", "end"]


@dataclass(frozen=True)
class Token:
    """One token: its kind, its value and where it starts (0-based character offset)."""

    kind: TokenKind
    value: Any
    pos: int
    text: str


_KEYWORDS = {"and", "or", "not", "in", "contains", "is", "missing", "true", "false"}
_COMPARE = ("==", "!=", "<=", ">=", "<", ">")
_DIGITS = "0123456789"
_NUMBER = re.compile(r"(?:[0-9][0-9_]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?([kKmM](?![A-Za-z0-9_]))?")
_NAME = re.compile(r"[^\W\d]\w*")
_SUFFIX = {"k": 1e3, "m": 1e6}


def _fail(expr: str, pos: int, message: str) -> WhereError:
    shown = expr if len(expr) <= 80 else expr[:77] + "..."
    where = f"at character {pos + 1}" if 0 <= pos < len(expr) else "at the end"
    return WhereError(f"--where {shown!r}, {where}: {message}")


def tokenize(expr: str) -> list[Token]:
    """Split an expression into tokens.

    Parameters
    ----------
    expr : str
        The expression.

    Returns
    -------
    list of Token
        Ending with an ``end`` token.

    Raises
    ------
    WhereError
        For a character or text that is not part of the language, naming its position.
    """
    tokens: list[Token] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        two = expr[i : i + 2]
        if two in ("==", "!=", "<=", ">=", "&&", "||"):
            value = {"&&": "and", "||": "or"}.get(two, two)
            tokens.append(Token("op", value, start, two))
            i += 2
        elif ch in "<>-+":
            tokens.append(Token("op", ch, start, ch))
            i += 1
        elif ch == "=":
            raise _fail(expr, start, "a single '=' assigns; compare with '=='")
        elif ch in "&|!":
            tokens.append(Token("op", {"&": "and", "|": "or", "!": "not"}[ch], start, ch))
            i += 1
        elif ch in "()[],":
            kind: TokenKind = {"(": "lparen", ")": "rparen", "[": "lbracket", "]": "rbracket", ",": "comma"}[ch]  # type: ignore[assignment]
            tokens.append(Token(kind, ch, start, ch))
            i += 1
        elif ch in "'\"":
            text, i = _string(expr, i)
            tokens.append(Token("string", text, start, expr[start:i]))
        elif ch == "`":
            end = expr.find("`", i + 1)
            if end < 0:
                raise _fail(expr, start, "a column name in backticks is not closed; add the closing `")
            tokens.append(Token("name", expr[i + 1 : end], start, expr[start : end + 1]))
            i = end + 1
        elif ch in _DIGITS or (ch == "." and i + 1 < n and expr[i + 1] in _DIGITS):
            m = _NUMBER.match(expr, i)
            assert m is not None
            raw = m.group(0)
            i = m.end()
            if i < n and (expr[i].isalnum() or expr[i] == "_"):
                raise _fail(expr, start, f"{raw + expr[i]!r}... is neither a number nor a column name")
            suffix = m.group(1)
            digits = raw[: -len(suffix)] if suffix else raw
            number = float(digits.replace("_", "")) * (_SUFFIX[suffix.lower()] if suffix else 1.0)
            tokens.append(Token("number", number, start, raw))
        elif (m := _NAME.match(expr, i)) is not None:
            word = m.group(0)
            i = m.end()
            lower = word.lower()
            if lower in _KEYWORDS:
                tokens.append(Token("op", lower, start, word))
            else:
                tokens.append(Token("name", word, start, word))
        else:
            raise _fail(expr, start, f"unexpected character {ch!r}")
    tokens.append(Token("end", None, n, ""))
    return tokens


def _string(expr: str, i: int) -> tuple[str, int]:
    quote = expr[i]
    out: list[str] = []
    j = i + 1
    while j < len(expr):
        ch = expr[j]
        if ch == "\\" and j + 1 < len(expr):
            out.append(expr[j + 1])
            j += 2
            continue
        if ch == quote:
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    raise _fail(expr, i, f"a text in quotes is not closed; add the closing {quote}")


# ---------------------------------------------------------------------------------------------------------
# the tree

Truth = tuple[np.ndarray, np.ndarray]
"""Three-valued truth per region: (value, known), two boolean arrays."""


class Node:
    """A node of a parsed expression."""

    def columns(self) -> list[str]:
        """Column names the node reads, in order of appearance."""
        return []


@dataclass(frozen=True)
class Column(Node):
    """A column of the attribute table."""

    name: str
    pos: int

    def columns(self) -> list[str]:
        """Return this column."""
        return [self.name]


@dataclass(frozen=True)
class Constant(Node):
    """A number, a text or true/false."""

    value: float | str | bool
    pos: int


@dataclass(frozen=True)
class Compare(Node):
    """``left op right`` for one of ``==, !=, <, <=, >, >=, in, not in, contains, not contains, is missing``."""

    op: str
    left: Node
    right: Node | tuple[Constant, ...] | None
    pos: int

    def columns(self) -> list[str]:
        """Columns on either side."""
        right = self.right.columns() if isinstance(self.right, Node) else []
        return self.left.columns() + right


@dataclass(frozen=True)
class Truthy(Node):
    """A bare true/false column or constant."""

    value: Node
    pos: int

    def columns(self) -> list[str]:
        """The column tested."""
        return self.value.columns()


@dataclass(frozen=True)
class Not(Node):
    """``not x``."""

    operand: Node

    def columns(self) -> list[str]:
        """The operand's columns."""
        return self.operand.columns()


@dataclass(frozen=True)
class BoolOp(Node):
    """``a and b and ...`` or ``a or b or ...``."""

    op: str
    operands: tuple[Node, ...]

    def columns(self) -> list[str]:
        """Every operand's columns."""
        return [c for o in self.operands for c in o.columns()]


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = tokenize(expr)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> TokenKind:
        """The current token's kind (a call, so that type checkers do not narrow it across takes)."""
        return self.tokens[self.i].kind

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *values: str) -> bool:
        return self.kind() == "op" and self.tok.value in values

    def fail(self, message: str, tok: Token | None = None) -> WhereError:
        return _fail(self.expr, (tok or self.tok).pos, message)

    def _descend(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep; simplify the expression")

    def parse(self) -> Node:
        if self.kind() == "end":
            raise self.fail("the expression is empty; write a test such as population >= 250000")
        node = self.or_()
        if self.kind() != "end":
            tok = self.tok
            hint = "; join tests with 'and' or 'or'" if tok.kind in ("name", "number", "string", "lparen") else ""
            raise self.fail(f"unexpected {tok.text!r}{hint}", tok)
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.is_op("or"):
            self.take()
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_(self) -> Node:
        operands = [self.not_()]
        while self.is_op("and"):
            self.take()
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def not_(self) -> Node:
        if self.is_op("not"):
            self.take()
            self._descend()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.test()

    def test(self) -> Node:
        if self.kind() == "lparen":
            self.take()
            self._descend()
            node = self.or_()
            self.depth -= 1
            if self.kind() != "rparen":
                raise self.fail("a '(' is not closed; add ')'")
            self.take()
            return node
        left = self.value()
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARE:
            self.take()
            return Compare(str(tok.value), left, self.value(), tok.pos)
        negate = False
        if self.is_op("not"):
            nxt = self.tokens[self.i + 1]
            if nxt.kind == "op" and nxt.value in ("in", "contains"):
                self.take()
                negate = True
        if self.is_op("in"):
            self.take()
            items = self.items()
            return Compare("not in" if negate else "in", left, items, tok.pos)
        if self.is_op("contains"):
            self.take()
            right = self.value()
            if not (isinstance(right, Constant) and isinstance(right.value, str)):
                raise self.fail("'contains' takes a text in quotes: name contains 'Des'")
            return Compare("not contains" if negate else "contains", left, right, tok.pos)
        if self.is_op("is"):
            self.take()
            missing_negated = False
            if self.is_op("not"):
                self.take()
                missing_negated = True
            if not self.is_op("missing"):
                raise self.fail("'is' goes with 'missing': x is missing, x is not missing")
            self.take()
            return Compare("is not missing" if missing_negated else "is missing", left, None, tok.pos)
        return Truthy(left, left.pos)

    def value(self) -> Column | Constant:
        tok = self.tok
        if tok.kind == "name":
            self.take()
            return Column(str(tok.value), tok.pos)
        if tok.kind in ("number", "string"):
            self.take()
            return Constant(tok.value, tok.pos)
        if self.is_op("true", "false"):
            self.take()
            return Constant(tok.value == "true", tok.pos)
        if self.is_op("-", "+") and self.tokens[self.i + 1].kind == "number":
            self.take()
            number = self.take()
            return Constant(-number.value if tok.value == "-" else number.value, tok.pos)
        if tok.kind == "end":
            raise self.fail("the expression ends too early; expected a column or a value")
        raise self.fail(f"expected a column or a value, not {tok.text!r}")

    def items(self) -> tuple[Constant, ...]:
        if self.kind() not in ("lbracket", "lparen"):
            raise self.fail("'in' takes a list: state in ['IA', 'NE']")
        close = "rbracket" if self.take().kind == "lbracket" else "rparen"
        out: list[Constant] = []
        while True:
            item = self.value()
            if not isinstance(item, Constant):
                raise self.fail(f"a list holds values, not the column {item.name!r}; quote text: 'IA'")
            out.append(item)
            if self.kind() == "comma":
                self.take()
                continue
            if self.kind() == close:
                self.take()
                return tuple(out)
            raise self.fail("a list is not closed; separate values with ',' and close it")


# number/text/bool arithmetic of the comparisons


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    return "text"


def _constant_kind(value: float | str | bool) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, float | int) else "text"


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Expression:
    """A parsed shortlist expression: evaluate it on a table of region attributes.

    Attributes
    ----------
    text : str
        The expression as written.
    tree : Node
        The parsed tree.
    """

    text: str
    tree: Node

    @property
    def columns(self) -> list[str]:
        """The columns the expression reads, each once, in order of appearance."""
        return list(dict.fromkeys(self.tree.columns()))

    def evaluate(self, table: pd.DataFrame, *, described: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
        """Return which rows of ``table`` the expression keeps.

        Parameters
        ----------
        table : pandas.DataFrame
            One row per region; the columns the expression names (matched without regard to case).
        described : mapping of str to sequence of str, optional
            The values a text column may take (a region set's declared groups): a literal compared with such a
            column must be one of them (``type == 'metropolitan'`` is an error naming ``metro`` and ``micro``).

        Returns
        -------
        pandas.Series of bool
            Same index as ``table``; ``True`` where the expression is true (unknown counts as not kept).

        Raises
        ------
        WhereError
            For an unknown column (with close names), or a comparison of values of different kinds.
        """
        value, known = self.truth(table, described=described)
        return pd.Series(value & known, index=table.index, name="where")

    def truth(
        self, table: pd.DataFrame, *, described: Mapping[str, Sequence[str]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the expression's three-valued truth on every row: ``(value, known)``.

        Parameters
        ----------
        table : pandas.DataFrame
            As for :meth:`evaluate`.
        described : mapping, optional
            As for :meth:`evaluate`.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Two boolean arrays: the value, and whether it is known (a comparison with a missing value is not).

        Raises
        ------
        WhereError
            As :meth:`evaluate`.
        """
        return _Evaluator(self.text, table, described or {}).truth(self.tree)

    def __str__(self) -> str:
        """The expression as written."""
        return self.text


def parse(expr: str) -> Expression:
    """Parse a shortlist expression.

    Parameters
    ----------
    expr : str
        ``"population >= 250000 and type == 'metro'"``.

    Returns
    -------
    Expression

    Raises
    ------
    WhereError
        For an expression that is too long, or text that is not part of the grammar (with its position and
        the fix).

    Examples
    --------
    >>> parse("state in ['IA', 'NE'] or population > 1m").columns
    ['state', 'population']
    >>> parse("population = 5")
    Traceback (most recent call last):
    ...
    ideopolis.decide.where.WhereError: --where 'population = 5', at character 12: a single '=' assigns; compare with '=='
    """
    text = str(expr)
    if len(text) > MAX_LENGTH:
        raise WhereError(f"--where: the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    return Expression(text.strip(), _Parser(text.strip()).parse())


class _Evaluator:
    def __init__(self, expr: str, table: pd.DataFrame, described: Mapping[str, Sequence[str]]) -> None:
        self.expr = expr
        self.table = table
        self.n = len(table)
        self.described = {k.lower(): v for k, v in described.items()}
        self.lookup = {str(c).lower(): str(c) for c in table.columns}

    def fail(self, pos: int, message: str) -> WhereError:
        return _fail(self.expr, pos, message)

    def column(self, node: Column) -> pd.Series:
        key = self.lookup.get(node.name.lower())
        if key is None:
            raise unknown_column(node.name, list(self.table.columns))
        return self.table[key]

    def truth(self, node: Node) -> Truth:
        if isinstance(node, BoolOp):
            parts = [self.truth(o) for o in node.operands]
            if node.op == "and":
                # false if any is known false; true if all known true; else unknown
                false_any = np.zeros(self.n, bool)
                all_true = np.ones(self.n, bool)
                for v, k in parts:
                    false_any |= k & ~v
                    all_true &= k & v
                return all_true, false_any | all_true
            true_any = np.zeros(self.n, bool)
            all_false = np.ones(self.n, bool)
            for v, k in parts:
                true_any |= k & v
                all_false &= k & ~v
            return true_any, true_any | all_false
        if isinstance(node, Not):
            v, k = self.truth(node.operand)
            return ~v & k, k
        if isinstance(node, Truthy):
            return self.truthy(node)
        if isinstance(node, Compare):
            return self.compare(node)
        raise AssertionError(node)  # pragma: no cover

    def operand(self, node: Node) -> tuple[pd.Series | None, Any, str, str]:
        """(series or None, constant or None, kind, how to name it)."""
        if isinstance(node, Column):
            series = self.column(node)
            return series, None, _kind(series), repr(node.name)
        assert isinstance(node, Constant)
        return None, node.value, _constant_kind(node.value), repr(node.value)

    def truthy(self, node: Truthy) -> Truth:
        series, const, kind, label = self.operand(node.value)
        if kind != "bool":
            hint = "population >= 250000" if kind == "number" else "type == 'metro'"
            raise self.fail(node.pos, f"{label} is a {kind}, not true/false; compare it ({hint})")
        if series is None:
            return np.full(self.n, bool(const)), np.ones(self.n, bool)
        known = series.notna().to_numpy()
        return series.fillna(False).astype(bool).to_numpy() & known, known

    def compare(self, node: Compare) -> Truth:
        series, const, kind, label = self.operand(node.left)
        if node.op in ("is missing", "is not missing"):
            if series is None:
                raise self.fail(node.pos, "'is missing' tests a column, not a value")
            missing = series.isna().to_numpy()
            return (missing if node.op == "is missing" else ~missing), np.ones(self.n, bool)
        if node.op in ("in", "not in"):
            assert isinstance(node.right, tuple)
            return self.membership(node, series, const, kind, label, node.right)
        if node.op in ("contains", "not contains"):
            assert isinstance(node.right, Constant)
            if kind != "text":
                raise self.fail(node.pos, f"'contains' looks inside text, and {label} is a {kind}")
            needle = fold(node.right.value)
            values, known = self.texts(series, const)
            hit = np.array([needle in v for v in values], dtype=bool)
            return (hit if node.op == "contains" else ~hit) & known, known
        assert isinstance(node.right, Column | Constant)
        r_series, r_const, r_kind, r_label = self.operand(node.right)
        if kind != r_kind:
            raise self.fail(node.pos, _mismatch(label, kind, r_label, r_kind))
        if kind in ("text", "bool") and node.op not in ("==", "!="):
            raise self.fail(node.pos, f"{kind} values compare with == or !=, not {node.op}")
        if kind == "text":
            for s, c, c_label in ((series, r_const, r_label), (r_series, const, label)):
                if s is not None and c is not None:
                    self.check_value(s, str(c), c_label, node.pos)
            left, lk = self.texts(series, const)
            right, rk = self.texts(r_series, r_const)
        else:
            left, lk = self.numbers(series, const)
            right, rk = self.numbers(r_series, r_const)
        known = lk & rk
        with np.errstate(invalid="ignore"):
            value = np.asarray(_OPS[node.op](left, right), dtype=bool)
        return value & known, known

    def membership(
        self,
        node: Compare,
        series: pd.Series | None,
        const: Any,
        kind: str,
        label: str,
        items: tuple[Constant, ...],
    ) -> Truth:
        kinds = {_constant_kind(i.value) for i in items}
        if kinds != {kind}:
            other = sorted(kinds - {kind})[0] if kinds - {kind} else kind
            raise self.fail(node.pos, _mismatch(label, kind, "the list", other))
        if kind == "text":
            for item in items:
                if series is not None:
                    self.check_value(series, str(item.value), repr(item.value), item.pos)
            values, known = self.texts(series, const)
            wanted = {fold(i.value) for i in items}
            hit = np.array([v in wanted for v in values], dtype=bool)
        else:
            numbers, known = self.numbers(series, const)
            hit = np.isin(numbers, [float(i.value) for i in items])
        return (hit if node.op == "in" else ~hit) & known, known

    def numbers(self, series: pd.Series | None, const: Any) -> tuple[np.ndarray, np.ndarray]:
        if series is None:
            return np.full(self.n, float(const)), np.ones(self.n, bool)
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        return values, ~np.isnan(values)

    def texts(self, series: pd.Series | None, const: Any) -> tuple[np.ndarray, np.ndarray]:
        if series is None:
            return np.array([fold(const)] * self.n, dtype=object), np.ones(self.n, bool)
        known = series.notna().to_numpy()
        values = np.array([fold(v) if k else "" for v, k in zip(series.tolist(), known, strict=True)], dtype=object)
        return values, known

    def check_value(self, series: pd.Series, literal: str, label: str, pos: int) -> None:
        """A literal compared with a column of known values must be one of them (catches typos)."""
        declared = self.described.get(str(series.name).lower())
        values = [str(v) for v in declared] if declared else None
        if values is None:
            present = series.dropna().astype(str).unique()
            if len(present) > 60:
                return
            values = sorted(present)
        if fold(literal) in {fold(v) for v in values}:
            return
        close = difflib.get_close_matches(literal, values, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        shown = ", ".join(values[:20]) + (f" and {len(values) - 20} more" if len(values) > 20 else "")
        raise self.fail(pos, f"no region has {series.name} {label}{hint}; values: {shown}")


def _mismatch(left: str, lk: str, right: str, rk: str) -> str:
    example = {"number": "population >= 250000", "text": "type == 'metro'", "bool": "eu27 == true"}
    return f"{left} is a {lk} and {right} is a {rk}; compare like with like ({example[lk]})"


def unknown_column(name: str, columns: Sequence[Any], *, what: str = "--where") -> WhereError:
    """The error for a column the attribute table does not have, with close names and the main ones.

    Parameters
    ----------
    name : str
        The column asked for.
    columns : sequence
        The columns there are.
    what : str
        How the message names the option.

    Returns
    -------
    WhereError
    """
    names = [str(c) for c in columns]
    lowered = {n.lower(): n for n in names}
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)]
    if not close and len(name) >= 3:
        close = [n for n in names if n.lower().startswith(name.lower()) or name.lower() in n.lower()][:3]
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    shown = ", ".join(names[:25]) + (f" and {len(names) - 25} more" if len(names) > 25 else "")
    return WhereError(f"{what}: unknown column {name!r}{hint}; columns: {shown}")
