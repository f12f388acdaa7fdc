"""Strict YAML: every value keeps its line, and YAML's traps are errors, not surprises.

Why not ``yaml.safe_load``: it silently keeps the last of two duplicate keys, turns ``NO`` into
``False`` and ``1.10`` into ``1.1``, and forgets where each value came from. Measure sets decide
who gets paid, so this loader composes the node tree itself and builds plain Python values with
a line for every key and item, and reports, all at once for a file:

* tabs (``yaml-tab``), duplicate keys (``yaml-duplicate-key``);
* YAML 1.1 booleans such as ``NO``, ``yes``, ``on`` (``yaml-ambiguous-bool``): only ``true`` and
  ``false`` are booleans here; quote anything else;
* YAML 1.1 numbers (``0x1F``, ``010``, ``1_000``, ``1:30``) and unknown tags, on values or
  on lists and mappings (``yaml-type``);
* nesting too deep to parse (``yaml-structure``), a finding rather than a crash.

:func:`validate` then runs a pydantic model and turns each of its errors into a finding with
``file:line: key``, naming the allowed keys (and the nearest one) for an unknown key.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from ipp_calc.errors import Collector, Finding, InputError, key_path

M = TypeVar("M")

Path_ = tuple[str | int, ...]

_INT_12 = re.compile(r"[-+]?(0|[1-9][0-9]*)")  # a leading 0 is octal to YAML 1.1 (010 is 8)
_FLOAT_12 = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
#: libyaml's parser when PyYAML has it (about 15× faster; the node tree and marks are the same).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_NODES = 200_000  # refuses alias bombs ("billion laughs") long before memory runs out
_MAX_BYTES = 5_000_000


@dataclass(slots=True)
class YamlDoc:
    """A parsed YAML file: its data, and the line of every key and list item."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 text file (a BOM is allowed); refuse binaries and giant files by name."""
    try:
        if path.is_dir():
            raise InputError(Finding("file-unreadable", "is a folder, not a file", file=display))
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise InputError(
                Finding("file-unreadable", f"is {size:,} bytes; the limit is {_MAX_BYTES:,}", file=display)
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Finding("file-not-found", "no such file", file=display)) from None
    except OSError as exc:
        raise InputError(Finding("file-unreadable", exc.strerror or str(exc), file=display)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Finding("file-unreadable", "is not UTF-8 text", file=display, line=line)) from None


def parse_yaml(text: str, file: str) -> YamlDoc:
    """Parse ``text`` strictly; raise :class:`InputError` with every problem found in it."""
    found = Collector()
    for number, text_line in enumerate(text.splitlines(), start=1):
        if "\t" in text_line:
            found.add("yaml-tab", "tab character; indent with spaces", file=file, line=number)
    found.raise_if_any()
    if "\x00" in text:
        raise InputError(Finding("file-unreadable", "contains NUL bytes: not a YAML text file", file=file))
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot be parsed"
        if "nesting depth" in problem:  # libyaml's own limit: the same finding as our RecursionError
            raise InputError(_too_deep(file)) from None
        raise InputError(Finding("yaml-syntax", f"YAML syntax: {problem}", file=file, line=line)) from None
    except yaml.YAMLError as exc:  # a reader error: bad characters
        raise InputError(Finding("yaml-syntax", f"YAML syntax: {exc}", file=file)) from None
    except RecursionError:  # thousands of nested brackets: bad input, not a bug
        raise InputError(_too_deep(file)) from None
    doc = YamlDoc(file=file, data=None)
    if node is None:
        doc.data = None
        return doc
    builder = _Builder(doc, found)
    try:
        doc.data = builder.build(node, ())
    except RecursionError:
        raise InputError(_too_deep(file)) from None
    found.raise_if_any()
    return doc


def _too_deep(file: str) -> Finding:
    return Finding("yaml-structure", "values nested too deeply; refused", file=file)


def load_yaml(path: Path, display: str) -> YamlDoc:
    return parse_yaml(read_text(path, display), display)


class _Builder:
    """Builds plain values from YAML nodes, recording lines and collecting findings."""

    def __init__(self, doc: YamlDoc, found: Collector) -> None:
        self.doc = doc
        self.found = found
        self.count = 0
        self._timestamps = yaml.SafeLoader("")  # only for its timestamp constructor

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            self.found.add(
                "yaml-structure",
                f"more than {_MAX_NODES:,} values (aliases expanding?); refused",
                file=self.doc.file,
                line=node.start_mark.line + 1,
            )
            raise InputError(self.found.findings)
        line = node.start_mark.line + 1
        self.doc.lines.setdefault(path, line)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_COLLECTIONS:
            # An explicit tag (!!python/object, !!set, !!omap) would mean something else elsewhere.
            where = key_path(path) or None
            self.found.add("yaml-type", f"unsupported tag {node.tag}", file=self.doc.file, line=line, key=where)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # the composer makes no other kind
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.found.add("yaml-structure", "merge keys (<<) are not supported", file=self.doc.file, line=line)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.found.add("yaml-structure", "a key must be a plain value", file=self.doc.file, line=line)
                continue
            key = self._scalar(key_node, path)
            where = key_path((*path, key))
            if key in out:
                first = self.doc.lines.get((*path, key))
                self.found.add(
                    "yaml-duplicate-key",
                    f"duplicate key (first on line {first}); the second would silently win",
                    file=self.doc.file,
                    line=line,
                    key=where,
                )
                continue
            self.doc.lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key))
        return out

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        text = node.value
        tag = node.tag
        line = node.start_mark.line + 1
        where = key_path(path) or None
        if node.style in ("'", '"', "|", ">") or tag == "tag:yaml.org,2002:str":
            return text
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            self.found.add(
                "yaml-ambiguous-bool",
                f"{text!r} is a boolean to YAML 1.1 tools; write true/false, or quote it as text",
                file=self.doc.file,
                line=line,
                key=where,
            )
            return text
        if tag == "tag:yaml.org,2002:int":
            if _INT_12.fullmatch(text):
                return int(text)
            self.found.add(
                "yaml-type",
                f"{text!r} is a YAML 1.1 number form; write a plain number or quote it",
                file=self.doc.file,
                line=line,
                key=where,
            )
            return text
        if tag == "tag:yaml.org,2002:float":
            if _FLOAT_12.fullmatch(text):
                return float(text)
            self.found.add(
                "yaml-type",
                f"{text!r} is not a plain number; quote it or write digits",
                file=self.doc.file,
                line=line,
                key=where,
            )
            return text
        if tag == "tag:yaml.org,2002:timestamp":
            try:
                return self._timestamps.construct_yaml_timestamp(node)
            except ValueError:
                self.found.add("yaml-type", f"{text!r} is not a valid date", file=self.doc.file, line=line, key=where)
                return text
        self.found.add("yaml-type", f"unsupported tag {tag}", file=self.doc.file, line=line, key=where)
        return text


# --------------------------------------------------------------------------- pydantic → findings


def validate(target: type[M], doc: YamlDoc, *, what: str | None = None) -> M:
    """Validate ``doc.data`` as ``target`` (a model or any type); every error names its line."""
    adapter: TypeAdapter[M] = TypeAdapter(target)
    try:
        return adapter.validate_python(doc.data)
    except ValidationError as exc:
        suggested: set[str] = set()
        found = list(_findings(exc, target, doc, what, suggested))
        raise InputError(_merge_misspellings(found, suggested)) from None


def _merge_misspellings(findings: list[Finding], suggested: set[str]) -> list[Finding]:
    """A misspelt key shows up twice: as unknown (``flexable``) and as missing (``flexible``).
    Keep only the unknown-key finding, whose message already says "did you mean 'flexible'?";
    ``suggested`` holds the key paths those did-you-means name."""
    return [f for f in findings if not (f.code == "yaml-missing-key" and f.key in suggested)] or findings


def _findings(
    exc: ValidationError, target: Any, doc: YamlDoc, what: str | None, suggested: set[str]
) -> Iterator[Finding]:
    """One finding per place pydantic refused; each did-you-mean's key path goes into ``suggested``."""
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        kind = err["type"]
        # A union reports one error per member; keep the first for each place.
        if (loc, kind) in seen:
            continue
        seen.add((loc, kind))
        line = doc.line_of(loc)
        key = key_path(loc) or what
        if kind == "extra_forbidden":
            allowed = _allowed_keys(target, loc[:-1])
            name = str(loc[-1])
            hint = ""
            close = difflib.get_close_matches(name, allowed, n=1)
            if close:
                hint = f" (did you mean {close[0]!r}?)"
                suggested.add(key_path((*loc[:-1], close[0])))
            listed = ", ".join(allowed) if allowed else "none"
            yield Finding(
                "yaml-unknown-key", f"unknown key{hint}; allowed: {listed}", file=doc.file, line=line, key=key
            )
        elif kind == "missing":
            yield Finding("yaml-missing-key", "required key is missing", file=doc.file, line=line, key=key)
        elif kind == "float_money":
            yield Finding("yaml-float-money", err["msg"], file=doc.file, line=line, key=key)
        elif kind in ("model_type", "dict_type") and not loc:
            yield Finding(
                "yaml-structure",
                f"expected a mapping of keys, found {_type_name(doc.data)}",
                file=doc.file,
                line=line or 1,
            )
        else:
            msg = err["msg"]
            if "input" in err and kind not in ("model_type", "dict_type", "list_type"):
                value = err["input"]
                # Our own messages already name the value; a mapping's repr is Python, not YAML.
                if not isinstance(value, (dict, list)) and (str(value) not in msg or value == ""):
                    msg = f"{msg} (found {_short(value)})"
            yield Finding("yaml-type", msg, file=doc.file, line=line, key=key)


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    """Drop pydantic's internal loc parts (union members, validator names, ``[key]``)."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part.startswith(("function-", "nullable[", "tagged-union[")) or part == "[key]"):
            continue
        if (
            isinstance(part, str)
            and "[" in part
            and part.endswith("]")
            and part.split("[")[0] in ("list", "dict", "literal")
        ):
            continue
        out.append(part)
    return tuple(out)


def _allowed_keys(target: Any, loc: Path_) -> list[str]:
    """The keys the model accepts at ``loc`` (for 'unknown key; allowed: …')."""
    current: Any = target
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fieldinfo = _field_by_key(current, str(part))
            if fieldinfo is None:
                return []
            current = fieldinfo
        elif get_origin(current) in (list, dict):
            args = get_args(current)
            current = args[-1] if args else Any
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, …]`` → ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "an empty file"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
