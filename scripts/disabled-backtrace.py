#!/usr/bin/env python3
"""Links std's `Debug`/`Display` of `std::backtrace::Backtrace` to the contracts' own printers.

Usage:
  disabled-backtrace.py link-args SYSROOT_LIB    the wasm-ld arguments (one a line)
  disabled-backtrace.py rewrite IN.wat OUT.wat   the linked module, rewired

cosmwasm-std 3.0.10's `StdError` boxes a `Backtrace` as `dyn Printable`; on wasm32 it is always
`Backtrace::disabled()`, but the box's vtable links `<Backtrace as Debug>::fmt` and
`<Backtrace as Display>::fmt`, whose captured arm pulls in std's symbolizing printer and
`rustc-demangle` (~22 KB). The contracts export `__perps_disabled_backtrace_debug` and
`__perps_disabled_backtrace_display` (`perps_api::entry_points!`: `perps_api::backtrace::debug`
and `display`, which write `<disabled>` and `disabled backtrace` exactly as std does for a
disabled backtrace).

1. `link-args` reads the two functions' symbol names from the target's std rlib and prints
   `--wrap=<symbol>` for each: wasm-ld then resolves every reference from outside std (the
   vtable, built in cosmwasm-std) to `__wrap_<symbol>` instead, so std's two functions and the
   printer only they reach are left unreferenced and not linked at all. `__wrap_<symbol>` is
   undefined: with `--allow-undefined` it becomes an import `env.__wrap_<symbol>`.
2. `rewrite`, on the text form of the linked module, removes those two imports and the two
   `__perps_disabled_backtrace_*` exports, and puts the exported functions where the imports were
   referenced (the vtable's table slots). Nothing else changes.

Either step fails (exit 1, nothing written) unless it finds each name exactly once, with the
`(i32, i32) -> i32` signature in the module, so a toolchain or cosmwasm-std change cannot skip it
silently. docs/decisions.md, "Backtrace printing out of the artifacts".
"""
import glob
import re
import sys

TRAITS = ("Debug", "Display")
EXPORTS = {
    "Debug": "__perps_disabled_backtrace_debug",
    "Display": "__perps_disabled_backtrace_display",
}
# std's `<std::backtrace::Backtrace as core::fmt::{Debug,Display}>::fmt`, v0 mangling (how the
# standard library is built): `_RNvX<impl path>` of `std::backtrace::Backtrace` and
# `core::fmt::<trait>`, method `fmt`.
STD_FMT = {
    t: re.compile(
        r"_RNvX(?:s[0-9A-Za-z]*_)?NtCs[0-9A-Za-z]+_3std9backtraceNtB[0-9A-Za-z]*_9Backtrace"
        rf"NtNtCs[0-9A-Za-z]+_4core3fmt{len(t)}{t}3fmt"
    )
    for t in TRAITS
}


def fail(msg):
    print(f"disabled-backtrace: {msg}", file=sys.stderr)
    sys.exit(1)


def link_args(lib_dir):
    rlibs = glob.glob(f"{lib_dir}/libstd-*.rlib")
    if len(rlibs) != 1:
        fail(f"expected one libstd-*.rlib in {lib_dir}, found {rlibs}")
    data = open(rlibs[0], "rb").read()
    tokens = {t.decode() for t in re.split(rb"[^0-9A-Za-z_]+", data) if t.startswith(b"_RNvX")}
    for trait in TRAITS:
        found = sorted(t for t in tokens if STD_FMT[trait].fullmatch(t))
        if len(found) != 1:
            fail(
                f"expected one symbol <std::backtrace::Backtrace as core::fmt::{trait}>::fmt in "
                f"{rlibs[0]}, found {found} (did the toolchain change its name or mangling?)"
            )
        print(f"--wrap={found[0]}")


def rewrite(src, dst):
    lines = open(src).read().split("\n")
    ours = {}  # export name -> wat name of the function
    imports = {}  # trait -> wat name of the import
    keep = []
    for line in lines:
        m = re.fullmatch(r' \(export "([^"]+)" \(func (\$[^\s()]+)\)\)', line)
        if m and m.group(1) in EXPORTS.values():
            if m.group(1) in ours:
                fail(f"export {m.group(1)} found twice")
            ours[m.group(1)] = m.group(2)
            continue
        m = re.fullmatch(
            r' \(import "env" "__wrap_([^"]+)" \(func (\$[^\s()]+) (.*)\)\)', line
        )
        if m:
            trait = next((t for t in TRAITS if STD_FMT[t].fullmatch(m.group(1))), None)
            if trait is None or trait in imports:
                fail(f"unexpected import {line.strip()}")
            if m.group(3) != "(param i32 i32) (result i32)":
                fail(f"import {m.group(1)} has the type {m.group(3)}")
            imports[trait] = m.group(2)
            continue
        keep.append(line)
    for trait in TRAITS:
        if EXPORTS[trait] not in ours:
            fail(f"export {EXPORTS[trait]} not found: is the contract declared with "
                 "perps_api::entry_points!?")
        if trait not in imports:
            fail(f"no import __wrap_<Backtrace as {trait}>::fmt: was the module linked with "
                 "the arguments of `disabled-backtrace.py link-args`?")
    # our functions' signatures
    for export, name in ours.items():
        sig = re.compile(
            rf"^ \(func {re.escape(name)}(?: \(type [^()]+\))? \(param \S+ i32\) "
            r"\(param \S+ i32\) \(result i32\)$"
        )
        if sum(1 for l in keep if sig.match(l)) != 1:
            fail(f"{export} ({name}) is not one function (i32, i32) -> i32")
    # every reference to an import becomes a reference to our function
    text = "\n".join(keep)
    for trait, name in imports.items():
        pattern = re.compile(re.escape(name) + r"(?=[\s()])")
        text, n = pattern.subn(ours[EXPORTS[trait]], text)
        print(f"disabled-backtrace: <Backtrace as {trait}>::fmt is {EXPORTS[trait]} "
              f"({n} references)")
    open(dst, "w").write(text)


if len(sys.argv) == 3 and sys.argv[1] == "link-args":
    link_args(sys.argv[2])
elif len(sys.argv) == 4 and sys.argv[1] == "rewrite":
    rewrite(sys.argv[2], sys.argv[3])
else:
    fail(__doc__.split("\n\n")[1])
