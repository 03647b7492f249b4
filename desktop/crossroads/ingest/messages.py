"""The words a user reads when a file cannot be read: one place, so every loader says it the same way.

Each message names the file (its name only: paths leak folder names into reports and screenshots) and says
what the user can do about it.
"""

from __future__ import annotations

from pathlib import Path

KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word document",
    "pptx": "PowerPoint presentation",
    "xlsx": "Excel workbook",
    "csv": "CSV file",
    "html": "web page",
    "markdown": "Markdown file",
    "text": "text file",
}

SUPPORTED_LIST = (
    "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), CSV, web pages (.html), Markdown and plain text"
)

_OLD_FORMATS: dict[str, tuple[str, str]] = {
    ".doc": ("an older Word format", "Word"),
    ".xls": ("an older Excel format", "Excel"),
    ".ppt": ("an older PowerPoint format", "PowerPoint"),
    ".odt": ("an OpenDocument text", "LibreOffice or Word"),
    ".ods": ("an OpenDocument spreadsheet", "LibreOffice or Excel"),
    ".odp": ("an OpenDocument presentation", "LibreOffice or PowerPoint"),
    ".rtf": ("Rich Text Format", "Word or WordPad"),
}
_MODERN_SUFFIX = {".doc": ".docx", ".xls": ".xlsx", ".ppt": ".pptx", ".odt": ".docx", ".ods": ".xlsx",
                  ".odp": ".pptx", ".rtf": ".docx"}


def size_text(size: int) -> str:
    """A file size as a person says it."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def missing(path: Path) -> str:
    return (f"{path.name} could not be found. It may have been moved, renamed or deleted; "
            "add it again from where it is now.")


def is_folder(path: Path) -> str:
    return f"{path.name} is a folder, not a file. Add the folder itself to include the documents inside it."


def not_readable(path: Path, reason: str) -> str:
    return (f"{path.name} could not be opened ({reason}). Check that it is not open in another program "
            "and that your account may read it, then add it again.")


def too_large(path: Path, size: int, limit: int) -> str:
    return (f"{path.name} is too large to add ({size_text(size)}; the limit is {size_text(limit)}). "
            "Split it into smaller files, or export only the parts you need.")


def empty(path: Path) -> str:
    return f"{path.name} is empty: there is no text in it. Check that it is the file you meant to add."


def no_text(path: Path) -> str:
    return (f"{path.name} contains no text to read. If it holds only pictures or scans, run it through OCR "
            "first, or export its text from the program that made it.")


def binary(path: Path) -> str:
    return (f"{path.name} is not a text document (it looks like binary data). Check that it is the file "
            "you meant to add; a document from another program can be saved from there as PDF, Word or "
            "plain text.")


def not_really(path: Path, kind: str) -> str:
    """A name that promises a PDF/Office file whose content is something else."""
    label = KIND_LABELS[kind]
    return (f"{path.name} is not a real {label}, although its name ends in {path.suffix}: its content looks "
            "like binary data of another kind. It may be damaged or renamed; open it in the program that "
            f"made it and save it again as a {label}.")


def damaged(path: Path, kind: str) -> str:
    label = KIND_LABELS[kind]
    return (f"{path.name} looks damaged: it could not be read as a {label}. Open it in the program that "
            "made it and save it again, or restore it from a backup.")


def password_protected(path: Path, kind: str) -> str:
    label = KIND_LABELS[kind]
    return (f"{path.name} is protected by a password, so its text cannot be read. Open it, remove the "
            f"password (or save an unprotected copy), and add that {label} instead.")


def scanned(path: Path) -> str:
    return (f"{path.name} looks like a scan: it has no text layer. Run it through OCR first (most scanner "
            "and PDF programs can 'recognise text'), then add the result.")


def unsupported(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _OLD_FORMATS:
        what, program = _OLD_FORMATS[suffix]
        return (f"{path.name} is in {what}, which Crossroads cannot read. Open it in {program} and save it "
                f"as {_MODERN_SUFFIX[suffix]}, then add that file.")
    kind_of = f" ({suffix} files)" if suffix else ""
    return (f"{path.name} is not a kind of document Crossroads can read{kind_of}. It reads {SUPPORTED_LIST}; "
            "save the file in one of these formats and add it again.")


def unpacks_too_large(path: Path, kind: str, size: int, limit: int) -> str:
    label = KIND_LABELS[kind]
    return (f"{path.name} was not read: this {label} would unpack to {size_text(size)} (the limit is "
            f"{size_text(limit)}), far more than a document holds. Save it again from the program that made it, "
            "or split it into smaller files.")


def zip_bomb(path: Path, kind: str, size: int, ratio: int) -> str:
    label = KIND_LABELS[kind]
    return (f"{path.name} was not read: a part of this {label} would unpack to {size_text(size)}, {ratio} times "
            "its packed size, which real documents never do (files made to exhaust a computer do). If you trust "
            "it, open it in the program that made it and save it again.")


def too_many_parts(path: Path, kind: str, count: int) -> str:
    label = KIND_LABELS[kind]
    return (f"{path.name} was not read: this {label} holds {count:,} parts, far more than a document has. "
            "Save it again from the program that made it.")


def text_cut(path: Path, kept: int, total: int) -> str:
    return (f"Only the first {kept:,} characters of {path.name} were indexed (it has {total:,}); the rest was left "
            "out so that one huge file cannot hold up the others. Split the file to include all of it.")
