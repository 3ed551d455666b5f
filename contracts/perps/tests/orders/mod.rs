//! Deferred execution and orders (DESIGN 6.11; SECURITY front-running rows; invariants 12–13).

mod attacks;
