"""io/cachedir.py: the cache folder agrees with platformdirs, and which files in it may be trusted."""
from __future__ import annotations

import os
import sys

import platformdirs
import pytest

from ipt_expert.io.cachedir import APP_NAME, cache_folder, cache_root, private_folder, read_private_file

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
    kept.write_text("kept \u00e9", encoding="utf-8")
    kept.chmod(0o600)
    assert private_folder(folder) is True
    assert private_folder(str(folder)) is True
    assert read_private_file(kept, 100) == "kept \u00e9"
    assert read_private_file(str(kept), 100) == "kept \u00e9"
    kept.chmod(0o644)                       # others may read, not write
    folder.chmod(0o755)
    assert private_folder(folder) is True
    assert read_private_file(kept, 100) == "kept \u00e9"


@pytest.mark.parametrize("mode", [0o770, 0o720, 0o702, 0o777], ids=oct)
def test_folder_others_can_write_to_is_not_private(tmp_path, mode):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    assert private_folder(folder) is False


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=oct)
def test_file_others_can_write_to_is_not_read(tmp_path, mode):
    kept = tmp_path / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    kept.chmod(mode)
    assert read_private_file(kept, 100) is None


def test_a_symbolic_link_is_neither_a_private_folder_nor_read(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (real / "kept.txt").write_text("x", encoding="utf-8")
    (real / "kept.txt").chmod(0o600)
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    (real / "link.txt").symlink_to(real / "kept.txt")
    assert private_folder(real) is True
    assert private_folder(tmp_path / "linked") is False
    assert read_private_file(real / "kept.txt", 100) == "x"
    assert read_private_file(real / "link.txt", 100) is None


def test_only_regular_files_are_read_and_a_fifo_does_not_block(tmp_path):
    (tmp_path / "folder").mkdir(mode=0o700)
    assert read_private_file(tmp_path / "folder", 100) is None
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo", 0o600)
        assert read_private_file(tmp_path / "fifo", 100) is None      # returns at once: no writer is awaited


def test_a_file_over_the_limit_or_not_utf8_is_not_read(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_bytes(b"x" * 10)
    kept.chmod(0o600)
    assert read_private_file(kept, 10) == "x" * 10
    assert read_private_file(kept, 9) is None
    kept.write_bytes(b"\xff\xfe")
    assert read_private_file(kept, 10) is None


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away needs root")
def test_someone_elses_file_or_folder_is_not_private(tmp_path, monkeypatch):
    kept = tmp_path / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    kept.chmod(0o600)
    os.chown(kept, 65534, 65534)
    assert read_private_file(kept, 100) is None
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    assert private_folder(folder) is False
    (tmp_path / "theirs-too").mkdir(mode=0o755)
    (tmp_path / "theirs-too" / "help").mkdir(mode=0o700)
    os.chown(tmp_path / "theirs-too", 65534, 65534)              # the cache root another user's
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(tmp_path / "theirs-too"))
    monkeypatch.delenv("IPT_EXPERT_NO_CACHE", raising=False)
    assert cache_folder("help") is None


def test_missing_path(tmp_path):
    with pytest.raises(OSError):
        private_folder(tmp_path / "nothing-here")
    assert read_private_file(tmp_path / "nothing-here", 100) is None


def test_cache_folder_is_made_private_and_both_folders_are_tested(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(root))
    monkeypatch.delenv("IPT_EXPERT_NO_CACHE", raising=False)
    assert cache_folder("help") is None                          # missing, and not asked to make it
    assert cache_folder("help", create=True) == str(root / "help")
    assert (root / "help").stat().st_mode & 0o777 == 0o700
    assert root.stat().st_mode & 0o777 == 0o700
    assert cache_folder("help") == str(root / "help")
    root.chmod(0o775)            # made under a umask of 002: others could swap 'help' for a link of theirs
    assert cache_folder("help") is None
    assert cache_folder("help", create=True) == str(root / "help")      # made private before it is written
    assert root.stat().st_mode & 0o777 == 0o755
    (root / "help").chmod(0o770)
    assert cache_folder("help") is None
    (root / "help").chmod(0o700)
    (root / "help").rename(root / "elsewhere")
    (root / "help").symlink_to(root / "elsewhere", target_is_directory=True)
    assert cache_folder("help") is None
    assert cache_folder("help", create=True) is None


def test_a_symlinked_cache_root_is_not_used(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(tmp_path / "linked"))
    monkeypatch.delenv("IPT_EXPERT_NO_CACHE", raising=False)
    assert cache_folder("help", create=True) is None
    monkeypatch.setenv("IPT_EXPERT_CACHE_DIR", str(real))
    assert cache_folder("help", create=True) == str(real / "help")
