//! Address lists the small contracts take as input (the fund's engines, the feed's publishers).

use cosmwasm_std::Addr;

/// Every address of `list` checked by `check`, in order; a repeat is refused with
/// `repeat(address)`, so that a removal never leaves a copy behind. A linear scan: the lists are
/// short (no set type linked into the artifacts).
pub fn unique<E>(
    list: &[String],
    mut check: impl FnMut(&str) -> Result<Addr, E>,
    repeat: impl FnOnce(Addr) -> E,
) -> Result<Vec<Addr>, E> {
    let mut checked: Vec<Addr> = Vec::with_capacity(list.len());
    for unchecked in list {
        let address = check(unchecked)?;
        if checked.contains(&address) {
            return Err(repeat(address));
        }
        checked.push(address);
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str) -> Result<Addr, String> {
        match a.starts_with("cosmwasm1") {
            true => Ok(Addr::unchecked(a)),
            false => Err(format!("invalid {a}")),
        }
    }

    #[test]
    fn checks_each_in_order_and_refuses_the_first_repeat() {
        let list = |l: &[&str]| l.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let repeat = |a: Addr| format!("repeated {a}");
        assert_eq!(
            unique(&list(&["cosmwasm1b", "cosmwasm1a"]), check, repeat),
            Ok(vec![
                Addr::unchecked("cosmwasm1b"),
                Addr::unchecked("cosmwasm1a")
            ])
        );
        assert_eq!(unique(&list(&[]), check, repeat), Ok(vec![]));
        assert_eq!(
            unique(&list(&["cosmwasm1a", "x", "cosmwasm1a"]), check, repeat),
            Err("invalid x".to_string())
        );
        assert_eq!(
            unique(
                &list(&["cosmwasm1a", "cosmwasm1b", "cosmwasm1a"]),
                check,
                repeat
            ),
            Err("repeated cosmwasm1a".to_string())
        );
    }
}
