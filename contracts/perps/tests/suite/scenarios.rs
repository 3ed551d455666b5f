//! Setups many tests share: one BTC market of the test's own next to the plain ETH market, and
//! traders minted and deposited in one call.

use cosmwasm_std::Addr;
use perps_api::perps::MarketConfig;

use super::{plain_market, usdc, Suite};

impl Suite {
    /// `btc` as the BTC market next to the plain ETH market, the default instantiate message.
    pub fn with_btc(btc: MarketConfig) -> Self {
        Self::with(|_| {}, &[("BTC", btc), ("ETH", plain_market("ETH"))])
    }

    /// The plain BTC market with both open-interest caps at `cap_whole` USDC, plain ETH next to it.
    pub fn with_btc_oi_cap(cap_whole: u128) -> Self {
        let mut btc = plain_market("BTC");
        btc.max_long_oi = usdc(cap_whole);
        btc.max_short_oi = usdc(cap_whole);
        Self::with_btc(btc)
    }

    /// Wallets `names`, each minted `balance` whole USDC; then each, in order, deposits
    /// `deposit` whole USDC.
    pub fn traders<const N: usize>(
        &mut self,
        names: [&str; N],
        balance: u128,
        deposit: u128,
    ) -> [Addr; N] {
        let who = names.map(|name| self.user(name, balance));
        for w in &who {
            self.deposit(w, deposit);
        }
        who
    }
}
