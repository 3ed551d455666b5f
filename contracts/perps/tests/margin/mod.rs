//! Margin: cross and isolated books, initial and maintenance requirements (DESIGN 6.4;
//! SECURITY 14-18).

mod cross;
mod isolated;
mod requirements;
mod security;
