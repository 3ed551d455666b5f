//! `migrate` shared by the three contracts (DESIGN 6.9): the stored cw2 name must be the
//! contract's own and the stored version no newer than the code's; the new version is recorded.
//! Each contract maps [`MigrateError`] onto its own typed errors.

use cosmwasm_std::{Response, StdError, Storage};

/// Why a migration was refused.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The cw2 record could not be read.
    #[error("{0}")]
    Std(#[from] StdError),
    /// The stored state belongs to another contract.
    #[error("wrong contract: expected {expected}, found {found}")]
    WrongContract { expected: String, found: String },
    /// The stored version is newer than the code (or unreadable).
    #[error("cannot migrate from version {from} to {to}: {source}")]
    CannotMigrate {
        from: String,
        to: String,
        source: StdError,
    },
}

/// Checks the stored cw2 identity against `name`, refuses downgrades, records `version`.
/// Responds with `action = migrate`, `from_version`, `to_version`.
pub fn migrate(
    storage: &mut dyn Storage,
    name: &str,
    version: &str,
) -> Result<Response, MigrateError> {
    let stored = stored_version(storage)?;
    if stored.contract != name {
        return Err(MigrateError::WrongContract {
            expected: name.to_string(),
            found: stored.contract,
        });
    }
    ensure_from_older_version(storage, name, &stored.version, version).map_err(|source| {
        MigrateError::CannotMigrate {
            from: stored.version.clone(),
            to: version.to_string(),
            source,
        }
    })?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", stored.version)
        .add_attribute("to_version", version))
}

/// Where cw2 keeps its `ContractVersion` (`cw2::CONTRACT`).
const CONTRACT_INFO: &[u8] = b"contract_info";

/// cw2's `ContractVersion`, read with the record reader (`crate::record`) instead of cw2's
/// derived one (`cw2::get_contract_version`; same record, same texts).
struct StoredVersion {
    contract: String,
    version: String,
}

impl<'de> serde::Deserialize<'de> for StoredVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: crate::record::SharedFields = crate::record::read(d)?;
        Ok(StoredVersion {
            contract: crate::record::need(f.contract, "contract")?,
            version: crate::record::need(f.version, "version")?,
        })
    }
}

/// `cw2::get_contract_version`: the stored identity, or cw-storage-plus's text when absent.
fn stored_version(storage: &dyn Storage) -> Result<StoredVersion, StdError> {
    match storage.get(CONTRACT_INFO) {
        Some(raw) => cosmwasm_std::from_json(raw),
        None => Err(StdError::msg(format!(
            "type: cw2::ContractVersion; key: {CONTRACT_INFO:02X?} not found"
        ))),
    }
}

/// `cw2::ensure_from_older_version` without its semver parser (~4.5 KB of each artifact): the
/// contracts' versions are plain `MAJOR.MINOR.PATCH`, compared number by number. Refuses an
/// unreadable version or a downgrade with cw2's texts; records `version` when it is newer.
fn ensure_from_older_version(
    storage: &mut dyn Storage,
    name: &str,
    stored: &str,
    version: &str,
) -> Result<(), StdError> {
    let (Some(old), Some(new)) = (numbers(stored), numbers(version)) else {
        return Err(StdError::msg(format!(
            "unreadable version: {stored} or {version} is not MAJOR.MINOR.PATCH"
        )));
    };
    if old > new {
        return Err(StdError::msg(format!(
            "Cannot migrate from newer version ({stored}) to older ({version})"
        )));
    }
    if old < new {
        cw2::set_contract_version(storage, name, version)?;
    }
    Ok(())
}

/// The three numbers of a `MAJOR.MINOR.PATCH` version (digits only); `None` for anything else.
fn numbers(version: &str) -> Option<[u64; 3]> {
    let mut parts = version.split('.');
    let mut out = [0u64; 3];
    for n in &mut out {
        let part = parts
            .next()
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
        *n = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockStorage;

    /// A store holding contract `crates.io:a` at `version`.
    fn at(version: &str) -> MockStorage {
        let mut st = MockStorage::new();
        cw2::set_contract_version(&mut st, "crates.io:a", version).unwrap();
        st
    }

    /// The text of the refusal of a migration to `name` `version`.
    fn refusal(st: &mut MockStorage, name: &str, version: &str) -> String {
        migrate(st, name, version).unwrap_err().to_string()
    }

    #[test]
    fn name_checked_downgrade_refused_version_recorded() {
        let mut st = at("1.0.0");
        assert_eq!(
            refusal(&mut st, "crates.io:b", "1.0.0"),
            "wrong contract: expected crates.io:b, found crates.io:a"
        );
        assert!(refusal(&mut st, "crates.io:a", "0.9.0")
            .starts_with("cannot migrate from version 1.0.0 to 0.9.0: "));
        assert_eq!(
            cw2::get_contract_version(&st).unwrap().version,
            "1.0.0",
            "a refused migration records nothing"
        );
        let res = migrate(&mut st, "crates.io:a", "1.2.0").unwrap();
        let attrs: Vec<_> = res
            .attributes
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            attrs,
            [
                ("action", "migrate"),
                ("from_version", "1.0.0"),
                ("to_version", "1.2.0")
            ]
        );
        assert_eq!(cw2::get_contract_version(&st).unwrap().version, "1.2.0");
    }

    /// The cw2 record read as `cw2::get_contract_version` reads it, with its texts.
    #[test]
    fn the_stored_version_reads_as_cw2_reads_it() {
        let mut st = MockStorage::new();
        let ours = migrate(&mut st, "crates.io:a", "1.0.0").unwrap_err();
        let cw2 = cw2::get_contract_version(&st).unwrap_err();
        assert_eq!(ours.to_string(), cw2.to_string());
        cw2::set_contract_version(&mut st, "crates.io:a", "1.0.0").unwrap();
        let stored = stored_version(&st).unwrap();
        assert_eq!(
            (stored.contract.as_str(), stored.version.as_str()),
            ("crates.io:a", "1.0.0")
        );
        st.set(CONTRACT_INFO, br#"{"contract":"crates.io:a"}"#);
        let ours = stored_version(&st).map(|_| ()).unwrap_err();
        let cw2 = cw2::get_contract_version(&st).unwrap_err();
        assert_eq!(
            ours.to_string().split(" at line").next(),
            Some("kind: Serialization, error: missing field `version`")
        );
        assert!(cw2
            .to_string()
            .starts_with("kind: Serialization, error: missing field `version`"));
    }

    #[test]
    fn versions_compare_number_by_number() {
        assert_eq!(numbers("0.1.0"), Some([0, 1, 0]));
        assert_eq!(numbers("10.20.30"), Some([10, 20, 30]));
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "1.2.3-rc1",
            "+1.2.3",
            "1..3",
            "not-semver",
        ] {
            assert_eq!(numbers(bad), None, "{bad}");
        }
        // 1.10.0 is newer than 1.9.0 (numbers, not text)
        let mut st = at("1.10.0");
        assert_eq!(
            refusal(&mut st, "crates.io:a", "1.9.0"),
            "cannot migrate from version 1.10.0 to 1.9.0: kind: Other, error: Cannot migrate from newer version (1.10.0) to older (1.9.0)"
        );
        // the same version: accepted, nothing to record
        migrate(&mut st, "crates.io:a", "1.10.0").unwrap();
        let err = refusal(&mut st, "crates.io:a", "1.x");
        assert!(err.contains("unreadable version: 1.10.0 or 1.x"), "{err}");
    }
}
