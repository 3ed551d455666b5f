//! insurance-fund contract (being written).
