//! Settled markets: closes on touch and in batches, shortfalls, valuation (SECURITY 40).

mod close;
mod shortfall;
mod valuation;
