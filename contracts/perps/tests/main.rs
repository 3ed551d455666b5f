//! Integration tests of the perps engine against the real price-feed and insurance-fund
//! contracts (cw-multi-test). One binary, one module per topic; invariants after every step.

mod suite;

mod admin;
mod caps;
mod cross;
mod exits;
mod funding;
mod funds;
mod fuzz;
mod guide;
mod isolated;
mod liquidation;
mod liquidation_markets;
mod liquidation_owner;
mod margin;
mod oracle;
mod queries;
mod round_trip;
mod security_admin;
mod security_admin_custody;
mod security_funds;
mod security_liquidation;
mod security_margin;
mod security_market;
mod security_mechanics;
mod security_more;
mod security_oracle;
mod security_unconfirmed;
mod settle;
mod settle_shortfall;
mod settled_valuation;
mod sim;
mod vault;
