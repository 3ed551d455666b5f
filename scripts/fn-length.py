#!/usr/bin/env python3
"""Fails when a function in contracts/*/src is longer than the limit (80 lines, signature and
closing brace included). Relies on rustfmt's layout: a function's closing brace stands alone at
the indentation of its `fn` line. Usage: fn-length.py [--max N] [--report] [root]"""
import argparse
import pathlib
import re
import sys

FN = re.compile(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def functions(path):
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        indent, name = m.group(1), m.group(2)
        for j in range(i, len(lines)):
            text = lines[j]
            if text.rstrip().endswith(";") and "{" not in "".join(lines[i:j + 1]):
                break  # a declaration without a body
            if text == indent + "}" or (j == i and text.rstrip().endswith("}")):
                yield name, i + 1, j - i + 1
                break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=80)
    ap.add_argument("--report", action="store_true", help="list the 10 longest")
    ap.add_argument("root", nargs="?", default=str(pathlib.Path(__file__).resolve().parent.parent))
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    found = []
    for path in sorted(root.glob("contracts/*/src/**/*.rs")):
        for name, line, length in functions(path):
            found.append((length, f"{path.relative_to(root)}:{line}", name))
    found.sort(reverse=True)
    if a.report:
        for length, where, name in found[:10]:
            print(f"{length:4} {where} {name}")
    long = [f for f in found if f[0] > a.max]
    for length, where, name in long:
        print(f"{where}: fn {name} is {length} lines (max {a.max})")
    print(f"{len(found)} functions in contracts/*/src, {len(long)} longer than {a.max} lines")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
