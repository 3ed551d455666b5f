//! price-feed messages (filled by the price-feed work).
