//! One line per event on stderr: `<unix seconds> <LEVEL> <task>: <message>`. Nothing secret is
//! ever passed here (the mnemonic stays in `lib::start`).

use crate::metrics::now_secs;

fn line(level: &str, task: &str, msg: &str) {
    eprintln!("{} {level} {task}: {msg}", now_secs());
}

/// Something done.
pub fn info(task: &str, msg: &str) {
    line("INFO", task, msg);
}

/// Something that went wrong and is retried.
pub fn warn(task: &str, msg: &str) {
    line("WARN", task, msg);
}
