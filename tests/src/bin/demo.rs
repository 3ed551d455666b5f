//! The demo (`bash scripts/demo.sh`): deploys the optimized artifacts on the local chain and plays
//! the market story of `perps_e2e::story`, printing a table per step.

use std::fmt::Write as _;
use std::io::Write as _;

use localnet::Chain;
use perps_e2e::wasm::artifact;
use perps_e2e::{table, Code, Story, WasmBackend};

fn run() -> Result<String, String> {
    let mut backend = WasmBackend::new()?;
    backend.store_all()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Perps on a local CosmWasm chain: the optimized artifacts in cosmwasm-vm, gas as wasmd charges it."
    );
    let _ = writeln!(
        out,
        "Amounts in USDC: account tables round to cents, money in events is exact (prices shown to 2 decimals, sizes to 6).\n"
    );
    let _ = writeln!(
        out,
        "stored code (checked like a chain's store_code, compiled by the VM):"
    );
    for code in Code::ALL {
        let wasm = artifact(code)?;
        let gas = Chain::store_code_gas(&wasm).total();
        let _ = writeln!(
            out,
            "  {:<20} {:>9} bytes  {:>11} gas",
            format!("{}.wasm", code.crate_name()),
            table::group(wasm.len() as u128),
            table::group(u128::from(gas))
        );
    }
    let story = Story::play(backend).map_err(|e| e.to_string())?;
    out.push_str(&table::render(&story.steps));
    let total: u64 = story.p.gas_log.iter().map(|(_, g)| g.total()).sum();
    let _ = writeln!(
        out,
        "\n{} transactions, {} SDK gas in all.",
        story.p.gas_log.len(),
        table::group(u128::from(total))
    );
    Ok(out)
}

fn main() {
    match run() {
        Ok(text) => {
            // A closed pipe (`| head`) is not an error of the demo.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    }
}
