//! The random steps of a simulation and their proptest strategy. Indices are small integers
//! resolved by the simulation (traders 0..4, markets 0..3, LPs 0..2), so a printed step list is a
//! complete, replayable description of a sequence.

use proptest::prelude::*;

pub const TRADERS: usize = 4;
pub const MARKETS: usize = 3;
pub const LPS: usize = 2;

/// An amount chosen relative to the account's free collateral (boundaries matter most).
#[derive(Debug, Clone)]
pub enum Amount {
    /// Base units.
    Abs(u128),
    /// `free · permille / 1000`.
    FreePermille(u32),
    /// `free + extra` (extra 0 is exactly the boundary).
    FreePlus(u128),
}

#[derive(Debug, Clone)]
pub enum ModeChoice {
    /// `mode` omitted.
    Default,
    Cross,
    /// Isolated with this margin in base units.
    Isolated(u128),
}

#[derive(Debug, Clone)]
pub enum Action {
    Deposit {
        who: usize,
        amount: u128,
    },
    Withdraw {
        who: usize,
        amount: Amount,
    },
    Trade {
        who: usize,
        market: usize,
        /// Size in lots of the market (see `Sim::lot`), signed.
        lots: i64,
        mode: ModeChoice,
        /// Extra slippage bound in bps around the oracle price; `None` = default slippage.
        acceptable_bps: Option<u32>,
        funds: u128,
    },
    /// A trade sized from the free collateral: `permille` of the largest cross position it
    /// allows (or, isolated, `permille` of it as margin at 9x), so books sit near their limits.
    MaxTrade {
        who: usize,
        market: usize,
        permille: u32,
        short: bool,
        isolated: bool,
    },
    Close {
        who: usize,
        market: usize,
        funds: u128,
    },
    /// A trade that takes the skew to the impact cap on one side (`short`), `over` lots beyond
    /// it (refused when `over > 0`): the skew the other steps then trade against.
    SkewToCap {
        who: usize,
        market: usize,
        short: bool,
        over: i64,
    },
    AddMargin {
        who: usize,
        market: usize,
        amount: u128,
        funds: u128,
    },
    RemoveMargin {
        who: usize,
        market: usize,
        amount: Amount,
    },
    /// Publishes a move of `bps` from the last price, with confidence and EMA offsets in bps.
    Publish {
        market: usize,
        bps: i32,
        conf_bps: u32,
        ema_bps: i32,
    },
    /// Re-publishes every market at its last price (conf 0, EMA = price), one second later.
    Refresh,
    Time {
        secs: u64,
    },
    /// `by` = TRADERS is the third-party liquidator; a trader index may be the target itself.
    Liquidate {
        by: usize,
        target: usize,
        min_reward: Option<u128>,
    },
    /// A liquidator bot: scans `liquidatable_accounts` (checked against the model) and
    /// liquidates the first account it reports.
    Keeper,
    Provide {
        lp: usize,
        amount: u128,
    },
    RequestWithdraw {
        lp: usize,
        permille: u32,
    },
    Claim {
        lp: usize,
    },
    Cancel {
        lp: usize,
    },
    Sweep,
    /// A plain bank send to the engine (a donation outside every ledger).
    Donate {
        amount: u128,
    },
    UpdateMarket {
        market: usize,
        variant: u8,
        force: bool,
    },
    /// The owner forces a twentieth of the skew scale (variant 7), so the open skew is far above
    /// the cap; the largest holder on the skew's side sells `permille` of his position (a
    /// reduction of |K|, which must fill); the owner forces the scale back.
    SqueezeSkew {
        market: usize,
        permille: u32,
    },
    SetStatus {
        market: usize,
        reduce_only: bool,
    },
    Settle {
        market: usize,
    },
    SettlePositions {
        market: usize,
    },
    /// Open `lots` then close them again at the same price and time.
    RoundTrip {
        who: usize,
        market: usize,
        lots: i64,
    },
    /// Two wallets open, then both close, at the same price and time.
    GroupRoundTrip {
        a: usize,
        b: usize,
        market: usize,
        lots_a: i64,
        lots_b: i64,
    },
    /// A whale: `who` deposits 2,000,000 USDC and asks for `permille` ‰ of the vault's equity
    /// (V) in skew on one side: beyond the exposure cap it is refused (DESIGN 6.10).
    Whale {
        who: usize,
        market: usize,
        permille: u32,
        short: bool,
    },
    /// A dust farmer: `lots` (1..4) lots of SOL, 10 USDC each, below the 40 USDC notional floor
    /// the 1 USDC minimum reward sets: an opening is refused.
    Dust {
        who: usize,
        lots: i64,
    },
    /// An LP claims after time moved past the request delay (prices re-published), or with
    /// `lapse` past the claim window too (a request never refused has lapsed).
    StaleClaim {
        lp: usize,
        lapse: bool,
    },
    /// A keeper calls `auto_deleverage` on the market.
    Deleverage {
        market: usize,
    },
    /// A keeper calls `mark_bad_debt` on a trader (bankrupt or not: the model says which).
    MarkBadDebt {
        target: usize,
    },
    /// Drives the vault below its ADL trigger (DESIGN 6.10): `who` takes the market's skew to
    /// 95 % of what the cap allows on one side (`short`), the price moves in the skew's favour by
    /// the fraction that brings V to the trigger, times `1 + over‰` (beyond what the caps allow
    /// for), a keeper marks every bankrupt book and deleverages the market until nothing closes.
    AdlShock {
        who: usize,
        market: usize,
        short: bool,
        over: u32,
    },
}

fn who() -> impl Strategy<Value = usize> {
    0..TRADERS
}

fn market() -> impl Strategy<Value = usize> {
    0..MARKETS
}

/// Base units, mostly in the USDC range a retail account uses, sometimes 0 or 1.
fn money() -> impl Strategy<Value = u128> {
    prop_oneof![
        1 => Just(0u128),
        1 => Just(1u128),
        6 => (1u128..5_000).prop_map(|w| w * 1_000_000),
        3 => (5_000u128..60_000).prop_map(|w| w * 1_000_000),
        1 => 1u128..1_000_000_000u128,
    ]
}

fn lots() -> impl Strategy<Value = i64> {
    let mag = prop_oneof![
        2 => 1i64..50,
        4 => 50i64..600,
        2 => 600i64..2_500,
        1 => Just(0i64),
    ];
    (mag, any::<bool>()).prop_map(|(m, neg)| if neg { -m } else { m })
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        2 => money().prop_map(Amount::Abs),
        3 => (0u32..=1_000).prop_map(Amount::FreePermille),
        2 => (0u128..3).prop_map(Amount::FreePlus),
    ]
}

fn mode() -> impl Strategy<Value = ModeChoice> {
    prop_oneof![
        4 => Just(ModeChoice::Default),
        1 => Just(ModeChoice::Cross),
        3 => money().prop_map(ModeChoice::Isolated),
    ]
}

fn funds() -> impl Strategy<Value = u128> {
    prop_oneof![6 => Just(0u128), 1 => money()]
}

pub fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (who(), money()).prop_map(|(who, amount)| Action::Deposit { who, amount }),
        3 => (who(), amount()).prop_map(|(who, amount)| Action::Withdraw { who, amount }),
        14 => (
            who(),
            market(),
            lots(),
            mode(),
            prop_oneof![4 => Just(None), 1 => (0u32..600).prop_map(Some)],
            funds()
        )
            .prop_map(|(who, market, lots, mode, acceptable_bps, funds)| Action::Trade {
                who,
                market,
                lots,
                mode,
                acceptable_bps,
                funds
            }),
        8 => (who(), market(), 300u32..=1_020, any::<bool>(), prop_oneof![3 => Just(false), 1 => Just(true)])
            .prop_map(|(who, market, permille, short, isolated)| Action::MaxTrade {
                who,
                market,
                permille,
                short,
                isolated
            }),
        3 => (who(), market(), funds())
            .prop_map(|(who, market, funds)| Action::Close { who, market, funds }),
        4 => (who(), 0..2usize, any::<bool>(), prop_oneof![3 => Just(0i64), 1 => 1i64..20])
            .prop_map(|(who, market, short, over)| Action::SkewToCap { who, market, short, over }),
        2 => (who(), market(), money(), funds()).prop_map(|(who, market, amount, funds)| {
            Action::AddMargin {
                who,
                market,
                amount,
                funds,
            }
        }),
        2 => (who(), market(), amount())
            .prop_map(|(who, market, amount)| Action::RemoveMargin { who, market, amount }),
        14 => (
            market(),
            prop_oneof![4 => -300i32..300, 4 => -1_500i32..1_500, 1 => -4_000i32..4_000],
            prop_oneof![5 => Just(0u32), 1 => 0u32..300],
            prop_oneof![5 => Just(0i32), 1 => -900i32..900],
        )
            .prop_map(|(market, bps, conf_bps, ema_bps)| Action::Publish {
                market,
                bps,
                conf_bps,
                ema_bps
            }),
        4 => Just(Action::Refresh),
        4 => prop_oneof![
            6 => 1u64..40,
            2 => 40u64..3_000,
            1 => 3_000u64..100_000,
        ]
        .prop_map(|secs| Action::Time { secs }),
        5 => (
            0..=TRADERS,
            who(),
            prop_oneof![3 => Just(None), 1 => money().prop_map(Some)]
        )
            .prop_map(|(by, target, min_reward)| Action::Liquidate {
                by,
                target,
                min_reward
            }),
        8 => Just(Action::Keeper),
        2 => (0..LPS, money()).prop_map(|(lp, amount)| Action::Provide { lp, amount }),
        3 => (0..LPS, 0u32..=1_000)
            .prop_map(|(lp, permille)| Action::RequestWithdraw { lp, permille }),
        2 => (0..LPS).prop_map(|lp| Action::Claim { lp }),
        1 => (0..LPS).prop_map(|lp| Action::Cancel { lp }),
        1 => Just(Action::Sweep),
        1 => (1u128..1_000_000_000).prop_map(|amount| Action::Donate { amount }),
        2 => (market(), 0u8..10, any::<bool>())
            .prop_map(|(market, variant, force)| Action::UpdateMarket {
                market,
                variant,
                force
            }),
        2 => (0..2usize, 1u32..=1_000)
            .prop_map(|(market, permille)| Action::SqueezeSkew { market, permille }),
        1 => (market(), any::<bool>())
            .prop_map(|(market, reduce_only)| Action::SetStatus { market, reduce_only }),
        1 => (market(), 0u8..4).prop_map(|(market, gate)| if gate == 0 {
            Action::Settle { market }
        } else {
            Action::SettlePositions { market }
        }),
        3 => (who(), market(), lots())
            .prop_map(|(who, market, lots)| Action::RoundTrip { who, market, lots }),
        2 => (who(), market(), 500u32..3_000, any::<bool>())
            .prop_map(|(who, market, permille, short)| Action::Whale { who, market, permille, short }),
        2 => (who(), 1i64..4).prop_map(|(who, lots)| Action::Dust { who, lots }),
        2 => (0..LPS, any::<bool>()).prop_map(|(lp, lapse)| Action::StaleClaim { lp, lapse }),
        2 => market().prop_map(|market| Action::Deleverage { market }),
        2 => who().prop_map(|target| Action::MarkBadDebt { target }),
        2 => (who(), market(), any::<bool>(), prop_oneof![1 => 0u32..100, 2 => 100u32..1_500])
            .prop_map(|(who, market, short, over)| Action::AdlShock { who, market, short, over }),
        1 => (who(), who(), market(), lots(), lots()).prop_map(
            |(a, b, market, lots_a, lots_b)| Action::GroupRoundTrip {
                a,
                b,
                market,
                lots_a,
                lots_b
            }
        ),
    ]
}

/// A sequence of `min..max` steps.
pub fn sequence(min: usize, max: usize) -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(action(), min..max)
}
