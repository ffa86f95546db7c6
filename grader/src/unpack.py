#!/usr/bin/env python3
"""Unpack a student's archive (.zip, .tar, .tar.gz, .tgz) safely.

    unpack.py ARCHIVE DEST CAP_BYTES

The kind is read from the name: .zip is a zip, anything else a tar (plain
or compressed). Run by the grader as the student user inside the sandbox (see submission.c).
The same rules for every kind of archive: an entry with an absolute path or
a `..` component, a link or a device is skipped and named on stdout; the
sizes are summed from the listing before anything is written, and what is
written is counted again (a zip may lie about its sizes).

stdout: one line per skipped entry, "skip<TAB>NAME<TAB>WHY".
exit 0: unpacked; 3: more than CAP_BYTES (nothing kept); 4: unreadable.
"""
import os
import shutil
import sys
import tarfile
import zipfile
import zlib

UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, zlib.error)

MAX_ENTRIES = 20000


def bad_name(name):
    """Why the entry's path may not be written, or None."""
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        return "an absolute path"
    if ".." in n.split("/"):
        return "a path with '..'"
    if "\0" in n:
        return "a NUL byte in its name"
    return None


def why_unreadable(e):
    """A short reason, the same for the same damage."""
    if isinstance(e, zipfile.BadZipFile):
        return "not a valid zip archive"
    if isinstance(e, tarfile.TarError):
        return "not a valid tar archive (plain, .gz, .bz2 or .xz)"
    if isinstance(e, EOFError):
        return "the archive ends early: it was cut short"
    return "its data is damaged (%s)" % type(e).__name__


class TooBig(Exception):
    pass


def copy_capped(src, dst, budget):
    """Copy src to dst; return the bytes left of the budget."""
    while True:
        block = src.read(1 << 16)
        if not block:
            return budget
        budget -= len(block)
        if budget < 0:
            raise TooBig()
        dst.write(block)


def entries(path):
    """(name, kind, size, opener) for every member; kind: 'dir', 'file' or why not."""
    if path.lower().endswith(".zip"):
        z = zipfile.ZipFile(path)
        for i in z.infolist():
            mode = (i.external_attr >> 16) & 0o170000
            if i.is_dir():
                yield i.filename, "dir", 0, None
            elif mode in (0, 0o100000):
                yield i.filename, "file", i.file_size, (lambda i=i: z.open(i))
            else:
                yield i.filename, "a link or special file", 0, None
        return
    t = tarfile.open(path, "r:*")
    for m in t:
        if m.isdir():
            yield m.name, "dir", 0, None
        elif m.isreg():
            yield m.name, "file", m.size, (lambda m=m: t.extractfile(m))
        else:
            yield m.name, "a link or special file", 0, None


def main():
    archive, dest, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        listing = list(entries(archive))
    except UNREADABLE as e:
        print(f"error\t{archive}\t{why_unreadable(e)}")
        return 4
    if len(listing) > MAX_ENTRIES:
        print(f"error\t{archive}\tmore than {MAX_ENTRIES} entries")
        return 3
    if sum(size for _, kind, size, _ in listing if kind == "file") > cap:
        return 3
    os.makedirs(dest, exist_ok=True)
    budget = cap
    try:
        for name, kind, size, opener in listing:
            why = bad_name(name) or (None if kind in ("dir", "file") else kind)
            if why:
                print(f"skip\t{name}\t{why}")
                continue
            rel = name.replace("\\", "/")
            while rel.startswith("./"):
                rel = rel[2:]
            target = os.path.join(dest, rel or ".")
            if kind == "dir":
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.islink(target) or os.path.isdir(target):
                print(f"skip\t{name}\tits path is already a folder or link")
                continue
            with opener() as src, open(target, "wb") as dst:
                budget = copy_capped(src, dst, budget)
    except TooBig:
        shutil.rmtree(dest, ignore_errors=True)
        return 3
    except UNREADABLE as e:
        print(f"error\t{archive}\t{why_unreadable(e)}")
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
