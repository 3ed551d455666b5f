//! Markets: caps, price impact, funding and round trips (SECURITY 27-30).

mod caps;
mod exits;
mod funding;
mod round_trip;
mod security;
