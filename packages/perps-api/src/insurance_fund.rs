//! insurance-fund messages (filled by the insurance-fund work).
