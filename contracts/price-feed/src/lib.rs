//! price-feed contract (being written).
