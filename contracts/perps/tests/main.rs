//! Integration tests of the perps engine against the real price-feed and insurance-fund
//! contracts (cw-multi-test). One binary, one module per topic (each topic's SECURITY.md
//! scenarios in its `security` file, named `sNN_…`); invariants after every step.

mod suite;

mod admin;
mod funds;
mod fuzz;
mod guide;
mod liquidation;
mod margin;
mod market;
mod oracle;
mod orders;
mod queries;
mod security_mechanics;
mod security_more;
mod settle;
mod sim;
mod solvency;
mod vault;
