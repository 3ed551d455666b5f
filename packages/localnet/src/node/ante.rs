//! The Cosmos SDK ante handler's parameters and gas, as `x/auth` sets them by default
//! (`x/auth/types/params.go`, documented in `x/auth` "Parameters"), and CometBFT's mempool limit.
//!
//! The node charges, before the messages and under the same gas limit:
//! - `ConsumeGasForTxSizeDecorator`: [`TX_SIZE_COST_PER_BYTE`] per byte of the signed `TxRaw`;
//! - `SigGasConsumeDecorator`: [`SIG_VERIFY_COST_SECP256K1`] per secp256k1 signature;
//! - `DeductFeeDecorator`: the fee's bank transfer to the fee collector, with the SDK's KV gas
//!   (two balance reads and writes and the recipient lookup, as any bank send).
//!
//! Not charged (a real node does, a few thousand gas more): the auth module's reads of its params
//! and of the signer's account and the write of the incremented sequence.

/// `TxSizeCostPerByte`: SDK gas per byte of the transaction.
pub const TX_SIZE_COST_PER_BYTE: u64 = 10;
/// `SigVerifyCostSecp256k1`: SDK gas per secp256k1 signature.
pub const SIG_VERIFY_COST_SECP256K1: u64 = 1_000;
/// `MaxMemoCharacters`.
pub const MAX_MEMO_CHARACTERS: usize = 256;
/// `TxSigLimit`: signatures per transaction.
pub const TX_SIG_LIMIT: usize = 7;
/// CometBFT's default `mempool.max_tx_bytes`: larger transactions are refused before CheckTx.
pub const MAX_TX_BYTES: usize = 1_048_576;
/// Bytes the SDK adds to the size of a simulated transaction for each signer (the amino
/// `StdSignature` of a secp256k1 key and a 64-byte signature, plus 6), so that a simulation
/// without signatures does not under-estimate the signed transaction.
pub const SIMULATED_SIGNATURE_BYTES: u64 = 112;

/// Gas of the ante handler before the fee transfer: size and signatures.
pub fn ante_gas(tx_bytes: usize, signatures: usize, simulate: bool) -> u64 {
    let mut bytes = tx_bytes as u64;
    if simulate {
        bytes = bytes.saturating_add(SIMULATED_SIGNATURE_BYTES.saturating_mul(signatures as u64));
    }
    TX_SIZE_COST_PER_BYTE
        .saturating_mul(bytes)
        .saturating_add(SIG_VERIFY_COST_SECP256K1.saturating_mul(signatures as u64))
}
