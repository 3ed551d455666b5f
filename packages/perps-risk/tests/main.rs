//! perps-risk tests: worked examples with the arithmetic in comments, then properties.

mod helpers;

mod book_examples;
mod funding_examples;
mod liquidation_examples;
mod trade_examples;
mod vault_examples;

mod props_impact;
mod props_ledger;
mod props_liquidation;
mod props_margin;
mod props_trade_funding;
mod props_waterfall;

mod settled;
