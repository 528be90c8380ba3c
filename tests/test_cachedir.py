"""io/cachedir.py: the cache folder agrees with platformdirs, and which files in it may be trusted."""
from __future__ import annotations

import os
import sys

import platformdirs
import pytest

from ipt_expert.io.cachedir import APP_NAME, cache_root, private_to_me

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is worked out on Linux")


@pytest.fixture
def default_cache(monkeypatch, tmp_path):
    """No ipt-expert setting: the folder is the platform's (conftest.py sets IPT_EXPERT_CACHE_DIR for the session)."""
    monkeypatch.delenv("IPT_EXPERT_CACHE_DIR", raising=False)
    monkeypatch.delenv("IPT_EXPERT_NO_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def platformdirs_cache() -> str:
    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


@linux_only
def test_without_xdg_cache_home_it_is_platformdirs_folder(default_cache):
    assert cache_root() == platformdirs_cache() == str(default_cache / ".cache" / APP_NAME)


@linux_only
def test_absolute_xdg_cache_home_is_platformdirs_folder(default_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == platformdirs_cache() == str(tmp_path / "xdg" / APP_NAME)


@linux_only
@pytest.mark.parametrize("value", ["", "   "], ids=["blank", "spaces"])
def test_a_blank_xdg_cache_home_is_ignored_as_platformdirs_ignores_it(default_cache, monkeypatch, value):
    monkeypatch.setenv("XDG_CACHE_HOME", value)
    assert cache_root() == platformdirs_cache() == str(default_cache / ".cache" / APP_NAME)


@linux_only
def test_a_relative_xdg_cache_home_is_ignored(default_cache, monkeypatch):
    """The XDG rule says a relative path is invalid (platformdirs 4 ignores it; earlier releases used it)."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_root() == str(default_cache / ".cache" / APP_NAME)


@linux_only
@pytest.mark.parametrize("home", ["", "relative-home"], ids=["empty", "relative"])
def test_an_empty_or_relative_home_counts_as_unset(default_cache, monkeypatch, home):
    """Never a cache folder in the working folder, nor at '/.cache': the account's home is asked
    (platformdirs 4 does the same; earlier releases used $HOME as written)."""
    import pwd

    monkeypatch.setenv("HOME", home)
    assert cache_root() == os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".cache", "ipt-expert")


def test_ipt_expert_cache_dir_wins(default_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(tmp_path / "chosen"))
    assert cache_root() == str(tmp_path / "chosen")


def test_blank_ipt_expert_cache_dir_is_not_a_choice(default_cache, monkeypatch):
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", "")
    assert cache_root() == platformdirs_cache()


def test_no_cache_turns_the_folder_off(default_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(tmp_path / "chosen"))
    monkeypatch.setenv("IPT_EXPERT_NO_CACHE", "1")
    assert cache_root() is None


def test_private_folder_and_file(tmp_path):
    folder = tmp_path / "private"
    folder.mkdir()
    folder.chmod(0o700)
    kept = folder / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    kept.chmod(0o600)
    assert private_to_me(folder) is True
    assert private_to_me(str(kept)) is True
    kept.chmod(0o644)                       # others may read, not write
    assert private_to_me(kept) is True


@pytest.mark.parametrize("mode", [0o770, 0o720, 0o702, 0o777], ids=oct)
def test_folder_others_can_write_to_is_not_private(tmp_path, mode):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    assert private_to_me(folder) is False


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=oct)
def test_file_others_can_write_to_is_not_private(tmp_path, mode):
    kept = tmp_path / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    kept.chmod(mode)
    assert private_to_me(kept) is False


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away needs root")
def test_someone_elses_file_is_not_private(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    kept.chmod(0o600)
    os.chown(kept, 65534, 65534)
    assert private_to_me(kept) is False


def test_missing_path_raises(tmp_path):
    with pytest.raises(OSError):
        private_to_me(tmp_path / "nothing-here")
