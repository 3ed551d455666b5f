//! What a contract prints for the backtrace of a `cosmwasm_std::StdError`, without std's
//! backtrace printer.
//!
//! cosmwasm-std 3.0.10 keeps a `BT(Box<dyn Printable>)` in every `StdError`; on wasm32
//! `BT::capture()` only ever boxes `std::backtrace::Backtrace::disabled()`, but the box's vtable
//! links `Backtrace`'s `Debug` and `Display`, whose captured arm brings std's symbolizing printer
//! and `rustc-demangle` (~31.5 KB per artifact). `scripts/build-wasm.sh` links the artifacts with
//! `--wrap` of those two functions and `scripts/disabled-backtrace.py` puts [`debug`] and
//! [`display`] below in their vtable slots: they write what std writes for a disabled backtrace,
//! and std's printer is not linked. The contracts keep the two in the linked module through the
//! exports `__perps_disabled_backtrace_debug` and `__perps_disabled_backtrace_display`
//! ([`entry_points!`](crate::entry_points)), which the build removes again; docs/decisions.md,
//! "Backtrace printing out of the artifacts".

use std::backtrace::Backtrace;
use std::fmt::{Formatter, Result};

/// `<Backtrace as Debug>::fmt` of a disabled backtrace: `<disabled>`, written as std writes it
/// (`Formatter::write_str`: no padding, the same with `{:#?}`).
#[inline(never)]
pub fn debug(_: &Backtrace, f: &mut Formatter<'_>) -> Result {
    f.write_str("<disabled>")
}

/// `<Backtrace as Display>::fmt` of a disabled backtrace: `disabled backtrace`, written as std
/// writes it.
#[inline(never)]
pub fn display(_: &Backtrace, f: &mut Formatter<'_>) -> Result {
    f.write_str("disabled backtrace")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    struct Ours<'a>(&'a Backtrace);

    impl fmt::Debug for Ours<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            debug(self.0, f)
        }
    }

    impl fmt::Display for Ours<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> Result {
            display(self.0, f)
        }
    }

    #[test]
    fn same_text_as_std_for_a_disabled_backtrace() {
        let bt = Backtrace::disabled();
        let ours = Ours(&bt);
        // Every form a formatting string can ask for: std ignores width, fill and `#`.
        let std_texts = [
            format!("{bt:?}"),
            format!("{bt:#?}"),
            format!("{bt:>20?}"),
            format!("{bt}"),
            format!("{bt:#}"),
            format!("{bt:*^40}"),
        ];
        let our_texts = [
            format!("{ours:?}"),
            format!("{ours:#?}"),
            format!("{ours:>20?}"),
            format!("{ours}"),
            format!("{ours:#}"),
            format!("{ours:*^40}"),
        ];
        assert_eq!(our_texts, std_texts);
        assert_eq!(std_texts[0], "<disabled>");
        assert_eq!(std_texts[3], "disabled backtrace");
    }
}
