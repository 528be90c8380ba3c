"""A cache of the checked rule base, so that a cold command does not parse and check it again.

Reading the shipped rule base (YAML parsing, the rules schema, compiling
every condition and sentence, the join budget) costs about as much as the
rest of a cold ``formulate``. Its outcome depends only on the rule files'
bytes and on this version of ipt-expert, so it is kept, as JSON (data, never
code: never a serialised Python object), in the user's cache folder under a key made of both.

What makes it safe to trust:

* the key is a SHA-256 of the package version, the cache format, the code
  and data that shape a reading (the knowledge layer's modules, the schemas,
  the vocabulary) and every rule file's name and content: an edited file is
  a new key, never a stale hit;
* a file is read only when it, its folder and the cache folder above belong
  to the user running the command, no one else can write to them and none of
  them is a symbolic link (never trusted across users, ``io/cachedir.py``);
  anything unreadable, too long, of another version or another key is
  ignored and rebuilt;
* it is written to a temporary file and renamed into place (atomic), mode
  0600 in a 0700 folder; a cache that cannot be written is no error;
* it stays small: a reading used is marked so (its modification time), and
  writing one removes all but the ``KEPT_READINGS`` most recently used.

``IPT_EXPERT_CACHE_DIR`` chooses the folder; ``IPT_EXPERT_NO_CACHE=1`` turns
the cache off. It holds rules, never case data.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from functools import lru_cache
from pathlib import Path

from ipt_expert.io.cachedir import cache_folder, read_private_file
from ipt_expert.io.constants import VERSION
from ipt_expert.knowledge.conditions import FieldTest, Group, Pattern, RuleSpec

FORMAT = 2      # 2: rules keep their sentences as trees (sentences.py)
MAX_RULE_FILE_BYTES = 2_000_000       # yamlio.MAX_FILE_BYTES, the reader's own limit
MAX_CACHE_BYTES = 64_000_000          # the shipped rule base's reading is under 1 MB
KEPT_READINGS = 8                     # readings kept; the least recently used beyond these are removed
_KEY_FILE = re.compile(r"^[0-9a-f]{64}\.json$")
_CLASSES = {cls.__name__: cls for cls in (FieldTest, Group, Pattern, RuleSpec)}


def cache_dir(create: bool = False) -> Path | None:
    """The folder of the cache, or None when it is turned off or cannot be trusted (``io/cachedir.py``)."""
    folder = cache_folder("rulebases", create=create)
    return None if folder is None else Path(folder)


def key_of(files: list) -> str:
    """The cache key of a rule directory: this version, the format and every file's name and bytes."""
    digest = hashlib.sha256(f"ipt-expert {VERSION} cache {FORMAT}\n".encode())
    digest.update(_reader_digest().encode())
    for path in sorted(files, key=lambda p: p.name):
        # Only regular files of a rule file's size: a FIFO would block the read, and the
        # reader refuses both with a located message, which the caller then shows.
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RULE_FILE_BYTES:
            raise OSError(f"{path.name} is not a rule file the cache can key")
        content = path.read_bytes()
        digest.update(f"{path.name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _reader_digest() -> str:
    """A hash of what shapes a reading besides the rule files: the knowledge layer's code, the schemas and
    the vocabulary data. A development checkout changes these without changing the version, and a cached
    reading made by other code must never be taken for this code's."""
    from ipt_expert.io.resources import PACKAGE_DIR

    digest = hashlib.sha256()
    for pattern in ("knowledge/*.py", "io/yamlio.py", "io/templating.py", "schemas/*.json", "data/*.yaml"):
        for path in sorted(PACKAGE_DIR.glob(pattern)):
            digest.update(f"{path.relative_to(PACKAGE_DIR)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _encode(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                  if not f.name.startswith("_")}
        return {"$class": type(value).__name__, "fields": fields}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, frozenset):
        return {"$frozenset": sorted((_encode(v) for v in value), key=json.dumps)}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError("a mapping the cache cannot hold")
        return {k: _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"a {type(value).__name__} the cache cannot hold")


def _decoder(classes: dict):
    """json.loads' object_hook for what ``_encode`` wrote: only the classes named, a KeyError otherwise.

    The hook runs innermost first, as the parser meets each object, so every
    value is already decoded when its container is built.
    """
    def hook(value: dict):
        if "$tuple" in value:
            return tuple(value["$tuple"])
        if "$frozenset" in value:
            return frozenset(value["$frozenset"])
        if "$class" in value:
            return classes[value["$class"]](**value["fields"])
        return value
    return hook


def read(key: str, policy_classes: tuple) -> dict | None:
    """The cached reading for ``key`` ({rules, policy, files}), or None when there is none to trust.

    ``policy_classes``: the dataclasses a policy is made of (the loader's own), the policy's first.
    """
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.json"
    text = read_private_file(path, MAX_CACHE_BYTES)
    if text is None:
        return None
    try:
        classes = {**_CLASSES, **{cls.__name__: cls for cls in policy_classes}}
        data = json.loads(text, object_hook=_decoder(classes))
        if data.get("version") != VERSION or data.get("format") != FORMAT or data.get("key") != key:
            return None
        rules, policy = data["rules"], data["policy"]
        files = data["files"]
        # Valid JSON is not yet a reading: anything of another shape is rebuilt, never used.
        if not (isinstance(rules, tuple) and all(isinstance(r, RuleSpec) for r in rules)
                and isinstance(policy, policy_classes[0]) and isinstance(files, list)
                and all(isinstance(f, str) for f in files)):
            return None
        _used(path)
        return {"rules": rules, "policy": policy, "files": tuple(files)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None            # missing, unreadable, damaged or of another shape: rebuilt by the caller


def write(key: str, rules: tuple, policy, files: tuple) -> None:
    """Keep a checked reading under ``key``; silently nothing when the folder cannot be written."""
    try:
        data = {"version": VERSION, "format": FORMAT, "key": key, "rules": _encode(rules),
                "policy": _encode(policy), "files": list(files)}
        text = json.dumps(data, separators=(",", ":"))
        folder = cache_dir(create=True)
        if folder is None or len(text) > MAX_CACHE_BYTES:      # json.dumps escapes non-ASCII: one byte each
            return
        from ipt_expert.io.output import write_private_file

        write_private_file(folder / f"{key}.json", text)
        _prune(folder)
    except (OSError, TypeError):
        return


def _used(path: Path) -> None:
    """Mark a reading as just used (its modification time), so that pruning keeps what is in use."""
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Remove all but the KEPT_READINGS most recently used readings: every edit of a rule file, and every
    upgrade, makes a new key, and nothing else would ever remove the old ones."""
    readings = []
    for entry in os.scandir(folder):
        if _KEY_FILE.match(entry.name) and entry.is_file(follow_symlinks=False):
            readings.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
    for _, name in sorted(readings, reverse=True)[KEPT_READINGS:]:
        try:
            os.unlink(folder / name)
        except OSError:
            pass
