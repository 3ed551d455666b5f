//! End to end over loopback: `localnet serve`, the protocol deployed by perps-deploy, traders
//! and keepers signing real transactions.

mod adl;
mod crash;
mod orders;
mod race;
mod resilience;
mod support;
