//! The demo (`bash scripts/demo.sh`): deploys the optimized artifacts on the local chain and plays
//! the market story of `perps_e2e::story`, printing a table per step.

use perps_e2e::{table, Story, WasmBackend};

fn main() {
    let backend = WasmBackend::new().and_then(|mut b| b.store_all().map(|()| b));
    let backend = match backend {
        Ok(b) => b,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    };
    println!("Perps on a local CosmWasm chain: the optimized artifacts in cosmwasm-vm, gas as wasmd charges it.");
    println!("Amounts in USDC; tables round to cents, events are exact.");
    match Story::play(backend) {
        Ok(story) => {
            print!("{}", table::render(&story.steps));
            let total: u64 = story.p.gas_log.iter().map(|(_, g)| g.total()).sum();
            println!(
                "\n{} transactions, {} SDK gas in all.",
                story.p.gas_log.len(),
                total
            );
        }
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    }
}
