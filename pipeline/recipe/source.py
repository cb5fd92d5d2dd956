"""Reading recipe YAML into plain data while remembering where every value came from.

PyYAML's composer gives nodes with source marks; we build the Python values ourselves so that each path
(``("scenes", 1, "text")``) maps to a line and column. Parsing is bounded: file size, nesting depth and the
number of values (alias bombs expand into millions of values) all have limits, and duplicate keys, which
YAML silently collapses, are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Location, Problem, RecipeError

MAX_RECIPE_BYTES = 2_000_000
MAX_VALUES = 200_000
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and CR are text
_KEY_CONTROL = re.compile("[\x00-\x1f\x7f]")  # a key is a name or a file path: no tab or line break either
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


_TAG_HINT = "remove the tag (!!int, !name...) and write a plain value; quote text that looks like a number or a date"


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


@dataclass
class Source:
    """A parsed recipe: its data and the position of every value in the file."""

    file: Path
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.positions:
                line, col = self.positions[path]
                return Location(self.file, line, col)
            path = path[:-1]
        line, col = self.positions.get((), (1, 1))
        return Location(self.file, line, col)


class _Builder:
    """Turns composed YAML nodes into Python values, recording positions and enforcing limits."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self._error(node, f"the recipe expands to more than {MAX_VALUES} values "
                              "(an alias bomb, or a far too large file)",
                              "remove the repeated aliases (*name) or split the recipe")
        if depth > MAX_DEPTH:
            raise self._error(node, f"values are nested more than {MAX_DEPTH} levels deep",
                              "flatten the recipe")
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._check_tag(node)
        if isinstance(node, yaml.MappingNode):
            # Keys written in this mapping, as opposed to those a merge key (<<: *base) brings in: an
            # own key overriding a merged one is what merge keys are for; two own keys are a mistake.
            own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
            try:
                self.constructor.flatten_mapping(node)  # merged pairs first, own ones last: the last wins
            except yaml.YAMLError as exc:
                raise self._construct_error(node, exc, "a << key takes a mapping or a list of "
                                            "mappings, e.g. <<: *defaults") from None
            result: dict[str, Any] = {}
            owned: set[str] = set()
            for key_node, value_node in node.value:
                key = self._construct(key_node)
                if not isinstance(key, str | int | float | bool) or key is None:
                    raise self._error(key_node, "mapping keys must be plain text", "quote the key")
                key = str(key)
                if bad := _KEY_CONTROL.search(key):
                    raise self._error(key_node, f"the key {key!r} contains the control character {bad.group()!r}",
                                      "remove it; keys are names and file paths, with no tabs or line breaks")
                if key in owned and id(key_node) in own:
                    raise self._error(key_node, f"the key '{key}' appears twice in the same mapping",
                                      "keep one of them (YAML would silently drop the first)")
                if id(key_node) in own:
                    owned.add(key)
                child = (*path, key)
                self.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag in _NUMBER_TAGS and ":" in str(node.value):
            return node.value  # YAML 1.1 reads 16:9 as 969 (base 60); YAML 1.2 and people read text
        value = self._construct(node)
        if isinstance(value, bytes | bytearray):
            raise self._error(node, "binary data (!!binary) cannot be a recipe value",
                              "write the value as text; give pictures and sounds as file paths")
        if isinstance(value, str) and (bad := CONTROL.search(value)):
            # the reader refuses these characters written raw; an escape ("\0", "\x07") makes them too
            raise self._error(node, f"text contains the control character {bad.group()!r} (written as an "
                              "escape)", "remove it; write text with letters, digits and punctuation only")
        return value

    def _construct(self, node: yaml.Node) -> Any:
        """PyYAML's value for a scalar; any failure (a bad ``!!int``, an unknown ``!tag``) is a RecipeError
        at the node."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - yaml's constructors raise ValueError, AttributeError...
            raise self._construct_error(node, exc) from None

    def _construct_error(self, node: yaml.Node, exc: Exception, hint: str = _TAG_HINT) -> RecipeError:
        mark = getattr(exc, "problem_mark", None) or node.start_mark
        if isinstance(exc, yaml.YAMLError):
            reason = getattr(exc, "problem", None) or "not a value YAML can read"
        else:  # a standard tag on text that is not of its type (!!int abc, !!timestamp x)
            reason = f"{str(node.value)[:60]!r} is not a valid {_tag_name(node.tag)}"
        return RecipeError([Problem(Location(self.file, mark.line + 1, mark.column + 1),
                                    f"cannot read this value: {reason}", hint=hint)])

    def _check_tag(self, node: yaml.Node) -> None:
        """Lists and mappings are plain: a tag on one (!!set, !!omap, !!python/...) would be ignored or
        change its meaning, so it is refused."""
        plain = "tag:yaml.org,2002:map" if isinstance(node, yaml.MappingNode) else "tag:yaml.org,2002:seq"
        if node.tag != plain:
            raise self._error(node, f"the tag {_tag_name(node.tag)} is not used in recipes", _TAG_HINT)

    def _error(self, node: yaml.Node, message: str, hint: str) -> RecipeError:
        mark = node.start_mark
        return RecipeError([Problem(Location(self.file, mark.line + 1, mark.column + 1), message, hint=hint)])


def parse_yaml(text: str, file: Path) -> Source:
    """Parse recipe text; YAML syntax errors become a RecipeError with the line and column."""
    if len(text.encode("utf-8", errors="replace")) > MAX_RECIPE_BYTES:
        raise RecipeError([Problem(Location(file), f"the recipe is larger than {MAX_RECIPE_BYTES} bytes",
                                   hint="split it, or move long narration into text files")])
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        reason = exc.problem or str(exc)
        if exc.context:
            started = exc.context_mark
            where = f" that starts at line {started.line + 1}, column {started.column + 1}" if started else ""
            reason = f"{reason} ({exc.context}{where})"
        hint = "check indentation, colons and quotes on this line or the one above"
        lines = text.splitlines()
        nearby = lines[max(0, location.line - 2): location.line] if location.line else []
        if any("${" in line for line in nearby):
            hint = ("inside [ ] or { } a reference must be quoted: '${step.port}' "
                    "(or write the list or mapping in block style, one item per line)")
        raise RecipeError([Problem(location, f"YAML syntax error: {reason}", hint=hint)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        before = text[: max(0, exc.position)]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        raise RecipeError([Problem(Location(file, line, column), f"character {exc.character!r} is not allowed "
                                   "in YAML", hint="remove it (it is often left by copying from another "
                                   "program); save the recipe as plain UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        raise RecipeError([Problem(Location(file), f"YAML error: {exc}")]) from None
    if node is None:
        raise RecipeError([Problem(Location(file, 1, 1), "the recipe is empty",
                                   hint="start from recipes/hello.yaml")])
    builder = _Builder(file)
    try:
        data = builder.build(node, (), 0)
    except yaml.YAMLError as exc:
        raise RecipeError([Problem(Location(file), f"YAML error: {exc}")]) from None
    return Source(file=file, data=data, positions=builder.positions)


def load_yaml(file: Path) -> Source:
    """Read and parse a recipe file, with a clear error when it cannot be read."""
    try:
        size = file.stat().st_size
        if size > MAX_RECIPE_BYTES:
            raise RecipeError([Problem(Location(file), f"the recipe is {size} bytes, more than the limit of "
                                       f"{MAX_RECIPE_BYTES}", hint="split it into smaller recipes")])
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError([Problem(Location(file), "recipe file not found",
                                   hint="check the path; it is relative to the current folder")]) from None
    except UnicodeDecodeError as exc:
        raise RecipeError([Problem(Location(file), f"the recipe is not UTF-8 text ({exc.reason})",
                                   hint="save the file as UTF-8")]) from None
    except OSError as exc:
        raise RecipeError([Problem(Location(file), f"cannot read the recipe: {exc.strerror}")]) from None
    return parse_yaml(text, file)
