#!/usr/bin/env python3
"""Counts the pages each commit in a SQLite WAL file wrote, by b-tree.

Usage: bench/wal_pages.py COPY.db-wal PAGEMAP [FIRST COUNT]

PAGEMAP is `sqlite3 COPY.db "SELECT pageno, name FROM dbstat"` on a copy of the database taken
together with the WAL (a page keeps its b-tree while it is not freed). Commits are delimited by
the frames that carry a commit marker; by default the 300 commits in the middle of the file are
summarised (docs/benchmarks.md, "Figures after ascending webhook ids").
"""
import collections
import struct
import sys


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    page_owner = {}
    with open(sys.argv[2]) as pagemap:
        for line in pagemap:
            page, name = line.rstrip("\n").split("|", 1)
            page_owner[int(page)] = name
    commits, current = [], []
    with open(sys.argv[1], "rb") as wal:
        header = wal.read(32)
        if len(header) < 32:
            sys.exit("not a WAL file: shorter than its header")
        _, _, page_size, _, salt1, salt2, _, _ = struct.unpack(">IIIIIIII", header)
        while True:
            frame = wal.read(24)
            if len(frame) < 24:
                break
            page, commit_size, frame_salt1, frame_salt2, _, _ = struct.unpack(">IIIIII", frame)
            if (frame_salt1, frame_salt2) != (salt1, salt2):
                break  # left over from before the WAL last restarted
            wal.seek(page_size, 1)
            current.append(page)
            if commit_size:
                commits.append(current)
                current = []
    if not commits:
        sys.exit("no committed transaction in the WAL")
    if len(sys.argv) == 5:
        first, count = int(sys.argv[3]), int(sys.argv[4])
    else:
        count = min(300, len(commits))
        first = (len(commits) - count) // 2
    chosen = commits[first:first + count]
    by_tree = collections.Counter()
    for pages in chosen:
        for page in set(pages):
            by_tree[page_owner.get(page, "?")] += 1
    distinct = sum(len(set(pages)) for pages in chosen)
    print(f"{len(commits)} commits in the WAL; commits {first}..{first + len(chosen) - 1}: "
          f"{distinct / len(chosen):.1f} distinct pages per commit")
    for name, pages in by_tree.most_common():
        print(f"{pages / len(chosen):8.1f}  {name}")


if __name__ == "__main__":
    main()
