#!/usr/bin/env python3
"""Rewrites a module's `memory.copy` of a constant size into a call to one small function per size.

Usage: copy-sizes.py IN.wat OUT.wat

Each struct copy is a `memory.copy` (the `--max-store-memcpy=1` codegen flag, docs/size.md);
most of the ~6,200 in perps.wasm copy one of a handful of sizes (32 bytes: a Decimal256). A
size used at least MIN_USES times gets a function `(dst, src)` doing that copy; each call site
then carries no size operand (2-3 bytes less each). The functions run the same copy.
"""
import collections
import sys

MIN_USES = 20


def copies(lines):
    """(line index, indent, index of the size operand line, size) of each constant-size copy."""
    for i, line in enumerate(lines):
        text = line.lstrip()
        if text != "(memory.copy":
            continue
        ind = len(line) - len(text)
        j = i + 1
        last = None
        while True:
            t = lines[j]
            ti = len(t) - len(t.lstrip())
            if ti == ind and t.strip() == ")":
                break
            if ti == ind + 1:
                last = j
            j += 1
        arg = lines[last].strip() if last is not None else ""
        if arg.startswith("(i32.const ") and arg.endswith(")") and arg.count("(") == 1:
            yield i, ind, last, int(arg[len("(i32.const ") : -1])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    lines = open(src).read().split("\n")
    found = list(copies(lines))
    uses = collections.Counter(size for _, _, _, size in found)
    sizes = sorted(s for s, n in uses.items() if n >= MIN_USES)
    drop = set()
    for i, ind, last, size in found:
        if size in sizes:
            lines[i] = " " * ind + f"(call $__copy_{size}"
            drop.add(last)
    out = [l for k, l in enumerate(lines) if k not in drop]
    # the module's closing parenthesis is the last non-empty line
    end = max(k for k, l in enumerate(out) if l.strip())
    assert out[end].strip() == ")", "unexpected module end"
    funcs = [
        f" (func $__copy_{s} (param $d i32) (param $s i32)\n"
        f"  (memory.copy\n   (local.get $d)\n   (local.get $s)\n   (i32.const {s})\n  )\n )"
        for s in sizes
    ]
    out[end:end] = funcs
    open(dst, "w").write("\n".join(out))
    print(f"copy-sizes: {sum(uses[s] for s in sizes)} of {len(found)} constant copies "
          f"through {len(sizes)} functions")


main()
