//! perps-risk (being written).
