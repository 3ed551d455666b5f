//! Liquidation (DESIGN 6.8; SECURITY 19-26, 39, 41): the boundary and amounts, many markets and
//! dead prices, the owner's close of a bankrupt book, and the SECURITY.md scenarios.

mod boundary;
mod markets;
mod owner;
mod security;
