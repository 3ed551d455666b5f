//! perps engine messages (filled by the engine work).
