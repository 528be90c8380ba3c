"""The checked rule base is kept between commands, and only a cache that can be trusted is read (issue 16.4)."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import REPO

from ipt_expert.io.constants import VERSION
from ipt_expert.knowledge import cache, rulebase


def rulebase_version():
    return VERSION


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    """A copy of the shipped rules and an empty cache folder of its own."""
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "rulebases"
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    rulebase._load_cached.cache_clear()
    yield rules, folder
    rulebase._load_cached.cache_clear()


def _load(rules):
    rulebase._load_cached.cache_clear()        # the in-process memo would hide the file cache
    return rulebase.load_knowledge_base(rules)


def _refuse_to_read(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the rule files were read again")
    monkeypatch.setattr(rulebase, "read_rule_base", refuse)


def test_a_second_load_comes_from_the_cache_and_is_the_same(rules_copy, monkeypatch):
    rules, folder = rules_copy
    first = _load(rules)
    assert [p.suffix for p in folder.iterdir()] == [".json"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct(next(folder.iterdir()).stat().st_mode & 0o777) == "0o600"
    _refuse_to_read(monkeypatch)
    second = _load(rules)
    assert second.rules == first.rules and second.policy == first.policy and second.files == first.files


def test_an_edited_rule_file_is_a_new_key(rules_copy):
    rules, folder = rules_copy
    _load(rules)
    policy = rules / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _load(rules)
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize("damage", ["not json", "other version", "other key", "unknown class"])
def test_a_damaged_or_foreign_cache_file_is_ignored_and_rebuilt(rules_copy, damage):
    rules, folder = rules_copy
    first = _load(rules)
    path = next(folder.iterdir())
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "not json":
        text = "{not json"
    else:
        if damage == "other version":
            data["version"] = "0.0.0-other"
        elif damage == "other key":
            data["key"] = "0" * 64
        else:
            data["rules"]["$tuple"][0]["$class"] = "Popen"
        text = json.dumps(data)
    path.write_text(text, encoding="utf-8")
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is None
    assert _load(rules).rules == first.rules
    rebuilt = json.loads(path.read_text(encoding="utf-8"))      # written again, whole and current
    assert rebuilt["key"] == path.stem and rebuilt["version"] == rulebase_version()


def test_a_cache_others_can_write_is_never_trusted(rules_copy, monkeypatch):
    rules, folder = rules_copy
    _load(rules)
    path = next(folder.iterdir())
    os.chmod(path, 0o666)
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is None
    os.chmod(path, 0o600)
    os.chmod(folder, 0o777)
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is None
    os.chmod(folder, 0o700)
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is not None


def test_a_cache_of_another_user_is_never_trusted(rules_copy, monkeypatch):
    rules, folder = rules_copy
    _load(rules)
    path = next(folder.iterdir())
    monkeypatch.setattr(os, "getuid", lambda: os.stat(path).st_uid + 1)
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is None


def test_a_cache_reached_through_a_symbolic_link_is_never_trusted(rules_copy, tmp_path):
    rules, folder = rules_copy
    _load(rules)
    path = next(folder.iterdir())
    policy_classes = (rulebase.Policy, rulebase.AreaInfo)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)                                   # the file a link
    assert cache.read(path.stem, policy_classes) is None
    path.unlink()
    elsewhere.rename(path)
    assert cache.read(path.stem, policy_classes) is not None
    moved = tmp_path / "moved-rulebases"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)           # the folder a link
    assert cache.read(path.stem, policy_classes) is None
    rulebase._load_cached.cache_clear()
    assert _load(rules).rules                                    # a cache it cannot trust is no error
    assert [p.name for p in moved.iterdir()] == [path.name]      # and nothing is written through the link


def test_the_cache_keeps_only_the_most_recently_used_readings(rules_copy):
    rules, folder = rules_copy
    _load(rules)
    current = next(folder.iterdir())
    old = [folder / f"{n:064x}.json" for n in range(cache.KEPT_READINGS + 3)]
    for age, path in enumerate(old, start=1):                # readings of other rule files, long unused
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    os.utime(current, (500_000, 500_000))                    # the current one the oldest of all ...
    (folder / "notes.txt").write_text("not a reading", encoding="utf-8")
    assert cache.read(current.stem, (rulebase.Policy, rulebase.AreaInfo)) is not None   # ... until it is used
    policy = rules / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _load(rules)                                             # a new reading is written, and the cache pruned
    kept = sorted(p.name for p in folder.iterdir() if p.suffix == ".json")
    assert len(kept) == cache.KEPT_READINGS
    assert current.name in kept                              # used just now
    assert [p.name for p in old[-(cache.KEPT_READINGS - 2):]] == sorted(set(kept) & {p.name for p in old})
    assert (folder / "notes.txt").exists()                   # only readings are ever removed


def test_no_cache_when_turned_off_or_unwritable(rules_copy, monkeypatch, tmp_path):
    rules, folder = rules_copy
    monkeypatch.setenv("IPT_EXPERT_NO_CACHE", "1")
    _load(rules)
    assert not folder.exists()
    monkeypatch.delenv("IPT_EXPERT_NO_CACHE")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(blocked / "cache"))
    assert _load(rules).rules                 # a cache that cannot be written is no error


def test_rule_errors_still_name_the_folder_as_given(rules_copy, monkeypatch, tmp_path):
    rules, _ = rules_copy
    _load(rules)
    moved = tmp_path / "moved"
    shutil.copytree(rules, moved)
    _refuse_to_read(monkeypatch)
    kb = _load(moved)
    assert all(rule.file.startswith(str(moved)) for rule in kb.rules)


def test_a_reading_made_by_other_code_is_never_taken_for_this_codes(rules_copy, monkeypatch):
    """A development checkout changes the loader without changing the version: the key follows the code."""
    rules, folder = rules_copy
    _load(rules)
    monkeypatch.setattr(cache, "_reader_digest", lambda: "another loader")
    _load(rules)
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize("damage", ["policy of another type", "deep nesting"])
def test_valid_json_of_another_shape_is_rebuilt_never_used(rules_copy, damage):
    """A cache file that parses but is not a reading is read as no cache (a review found both an internal error)."""
    rules, folder = rules_copy
    first = _load(rules)
    path = next(folder.iterdir())
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "policy of another type":
        data["policy"] = "x"
        text = json.dumps(data)
    else:
        text = json.dumps(data)[:-1] + ',"deep":' + "[" * 600 + "]" * 600 + "}"
        text = text.replace('"policy":', '"policy":' + '{"$tuple":[' * 600 + "1" + "]}" * 600 + ',"was":', 1)
    path.write_text(text, encoding="utf-8")
    assert cache.read(path.stem, (rulebase.Policy, rulebase.AreaInfo)) is None
    assert _load(rules).policy == first.policy


def test_a_file_saved_while_it_is_read_is_not_kept_under_the_old_key(rules_copy, monkeypatch):
    """The reading is kept only when the files still hash to the key taken before reading them."""
    rules, folder = rules_copy
    real = rulebase.read_rule_base

    def read_while_saved(*args, **kwargs):
        reading = real(*args, **kwargs)
        policy = rules / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8") + "\n# saved meanwhile\n", encoding="utf-8")
        return reading
    monkeypatch.setattr(rulebase, "read_rule_base", read_while_saved)
    _load(rules)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_file_changed_with_its_mtime_and_size_restored_is_read_again(rules_copy):
    """The in-process memo looks at ctime and inode too: copying tools restore mtime and size."""
    rules, _ = rules_copy
    target = rules / "grief.yaml"
    first = rulebase.load_knowledge_base(rules)
    info = target.stat()
    text = target.read_text(encoding="utf-8")
    changed = text.replace("weight: 0.6", "weight: 0.5", 1)
    assert changed != text and len(changed) == len(text)
    target.write_text(changed, encoding="utf-8")
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert rulebase.load_knowledge_base(rules) is not first


def test_a_broken_link_among_the_rule_files_is_a_located_error(tmp_path):
    from ipt_expert.io.errors import KnowledgeBaseError

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "zz.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(KnowledgeBaseError) as caught:
        rulebase.load_knowledge_base(rules)
    assert "zz.yaml" in str(caught.value)
