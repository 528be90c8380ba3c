"""Writing a folder of outputs (a class pack, a dashboard) safely.

What trainees type never names a file here: every file name is chosen by the
tool.  A folder that already holds files is not written into without
``force``; a link, a device or a pipe is never written through; each file is
written atomically, so a reader never sees half a file.  Every CSV cell that
a spreadsheet would run as a formula is neutralised.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ipt_expert.io.errors import OutputError

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """The value as a spreadsheet should show it: text that could run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header, rows) -> str:
    """A CSV document (comma-separated, quoted where needed) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def prepare_folder(path: str, force: bool, *, what: str) -> Path:
    """The output folder, created if needed; refused if it holds files and ``force`` is not given."""
    folder = Path(path)
    if os.path.islink(path):
        raise OutputError("is a symbolic link; give the path of an ordinary folder", source=str(path))
    if folder.exists():
        if not folder.is_dir():
            raise OutputError(f"exists and is not a folder; give a new folder for the {what}", source=str(path))
        if any(folder.iterdir()) and not force:
            raise OutputError(f"already holds files; use --force to write the {what} over them, or give a new "
                              "folder", source=str(path))
        return folder
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot be created: folder '{parent}' does not exist", source=str(path))
    try:
        folder.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot be created: {exc.strerror or exc}", source=str(path)) from exc
    return folder


def write_files(folder: Path, files: dict) -> list:
    """Write {relative name: text} into ``folder``, each atomically through output.write_output."""
    from ipt_expert.io.output import write_output

    written = []
    for name, text in files.items():
        target = folder / name
        if target.parent != folder:
            if os.path.islink(target.parent) or (target.parent.exists() and not target.parent.is_dir()):
                raise OutputError("is not an ordinary folder; it will not be written into", source=str(target.parent))
            target.parent.mkdir(exist_ok=True)
        write_output(text, str(target), fmt="json" if name.endswith(".json") else "text", force=True)
        written.append(target)
    return written


def safe_stem(text: str, number: int, limit: int = 40) -> str:
    """A file name stem from a trainee's name: numbered, letters, digits and '-' only (no '..', no '/')."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = "".join(c if c.isalnum() else "-" for c in ascii_text)
    slug = "-".join(part for part in slug.split("-") if part)[:limit].strip("-")
    return f"{number:03d}-{slug}" if slug else f"{number:03d}"
