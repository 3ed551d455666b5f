//! The demo story (smoke run).
