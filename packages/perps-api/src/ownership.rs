//! Two-step ownership shared by the three contracts: the owner proposes, the proposed address
//! accepts. Pure state transitions, and the two handlers over the `Item` in which each contract
//! stores its [`Ownership`].

use cosmwasm_std::{Addr, Response, StdError, Storage};
use cw_storage_plus::Item;

use crate::msg::{options_deserialize, present, read_fields};

/// Who owns a contract and who has been offered ownership.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg::options_deserialize`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
pub struct Ownership {
    /// Current owner: the only address allowed to send admin messages.
    pub owner: Addr,
    /// Address proposed by `transfer_ownership`, waiting for its `accept_ownership`.
    pub pending_owner: Option<Addr>,
}

/// [`Ownership`] as read.
#[derive(Default)]
struct OwnershipFields {
    owner: Option<Addr>,
    pending_owner: Option<Addr>,
}

options_deserialize!(lenient OwnershipFields as Ownership {
    owner: required,
    pending_owner,
});

impl<'de> serde::Deserialize<'de> for Ownership {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = read_fields::<D, OwnershipFields>(d)?;
        Ok(Ownership {
            owner: present(f.owner)?,
            pending_owner: f.pending_owner,
        })
    }
}

/// Why an ownership transition was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OwnershipError {
    /// The sender is not the current owner.
    #[error("unauthorized: {sender} is not the owner ({owner})")]
    NotOwner { sender: Addr, owner: Addr },
    /// `accept_ownership` from an address that was not proposed (or nothing is pending).
    #[error("unauthorized: {sender} is not the pending owner")]
    NotPendingOwner { sender: Addr },
}

impl Ownership {
    /// A fresh ownership record with nothing pending.
    pub fn new(owner: Addr) -> Self {
        Self {
            owner,
            pending_owner: None,
        }
    }

    /// Fails unless `sender` is the owner.
    pub fn assert_owner(&self, sender: &Addr) -> Result<(), OwnershipError> {
        if *sender == self.owner {
            Ok(())
        } else {
            Err(OwnershipError::NotOwner {
                sender: sender.clone(),
                owner: self.owner.clone(),
            })
        }
    }

    /// The owner proposes `new_owner`; a later proposal replaces an earlier one.
    pub fn propose(&mut self, sender: &Addr, new_owner: Addr) -> Result<(), OwnershipError> {
        self.assert_owner(sender)?;
        self.pending_owner = Some(new_owner);
        Ok(())
    }

    /// The proposed address takes over; the pending proposal is cleared.
    pub fn accept(&mut self, sender: &Addr) -> Result<(), OwnershipError> {
        match &self.pending_owner {
            Some(pending) if pending == sender => {
                self.owner = sender.clone();
                self.pending_owner = None;
                Ok(())
            }
            _ => Err(OwnershipError::NotPendingOwner {
                sender: sender.clone(),
            }),
        }
    }
}

/// `transfer_ownership`: the sender must be the owner, checked before `new_owner` validates the
/// proposed address (so a stranger learns nothing from validation); a later proposal replaces an
/// earlier one. Responds with `action`, `pending_owner`.
pub fn transfer_ownership<E>(
    storage: &mut dyn Storage,
    item: &Item<Ownership>,
    sender: &Addr,
    new_owner: impl FnOnce() -> Result<Addr, E>,
) -> Result<Response, E>
where
    E: From<OwnershipError> + From<StdError>,
{
    let mut ownership = item.load(storage)?;
    ownership.assert_owner(sender)?;
    let new_owner = new_owner()?;
    ownership.propose(sender, new_owner.clone())?;
    item.save(storage, &ownership)?;
    Ok(Response::new()
        .add_attribute("action", "transfer_ownership")
        .add_attribute("pending_owner", new_owner))
}

/// `accept_ownership`: the proposed address takes over. Responds with `action`, `owner`.
pub fn accept_ownership<E>(
    storage: &mut dyn Storage,
    item: &Item<Ownership>,
    sender: &Addr,
) -> Result<Response, E>
where
    E: From<OwnershipError> + From<StdError>,
{
    let mut ownership = item.load(storage)?;
    ownership.accept(sender)?;
    item.save(storage, &ownership)?;
    Ok(Response::new()
        .add_attribute("action", "accept_ownership")
        .add_attribute("owner", ownership.owner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_moves_only_when_the_proposed_owner_accepts() {
        let (alice, bob, eve) = (
            Addr::unchecked("alice"),
            Addr::unchecked("bob"),
            Addr::unchecked("eve"),
        );
        let mut o = Ownership::new(alice.clone());
        assert_eq!(
            o.propose(&eve, eve.clone()),
            Err(OwnershipError::NotOwner {
                sender: eve.clone(),
                owner: alice.clone()
            })
        );
        assert_eq!(
            o.accept(&bob),
            Err(OwnershipError::NotPendingOwner {
                sender: bob.clone()
            })
        );
        o.propose(&alice, bob.clone()).unwrap();
        assert_eq!(o.owner, alice);
        assert_eq!(
            o.accept(&eve),
            Err(OwnershipError::NotPendingOwner {
                sender: eve.clone()
            })
        );
        o.accept(&bob).unwrap();
        assert_eq!(o, Ownership::new(bob.clone()));
        assert!(o.assert_owner(&alice).is_err());
        assert!(o.assert_owner(&bob).is_ok());
    }
}
