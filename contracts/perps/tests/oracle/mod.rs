//! Oracle policy per action (DESIGN 6.3; SECURITY 10-13).

mod policy;
mod security;
mod unconfirmed;
