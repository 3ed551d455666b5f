//! Writes this contract's JSON schema (scripts/schema.sh).

perps_api::schema_main!(price_feed);
