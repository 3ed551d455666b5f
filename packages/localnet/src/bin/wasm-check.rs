//! `wasm-check [--capabilities CSV] FILE...`: the chain check of each artifact (static validation
//! with the given capabilities, size limit, compilation). Exits 1 if any artifact fails.

use std::process::ExitCode;

use localnet::{capabilities, check_artifact, MAINSTREAM_CAPABILITIES};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut csv = MAINSTREAM_CAPABILITIES.to_string();
    if let Some(i) = args.iter().position(|a| a == "--capabilities") {
        if i + 1 >= args.len() {
            eprintln!("--capabilities needs a comma-separated list");
            return ExitCode::from(2);
        }
        csv = args.remove(i + 1);
        args.remove(i);
    }
    if args.is_empty() {
        eprintln!("usage: wasm-check [--capabilities CSV] FILE...");
        return ExitCode::from(2);
    }
    let available = capabilities(&csv);
    println!("capabilities: {csv}");
    let mut failed = 0;
    for path in &args {
        let result = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|wasm| {
                check_artifact(&wasm, &available)
                    .map(|()| wasm.len())
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(bytes) => println!("{path}: pass ({bytes} bytes)"),
            Err(e) => {
                failed += 1;
                println!("{path}: FAIL: {e}");
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
