//! Worked examples: liquidation price and partial liquidation.
