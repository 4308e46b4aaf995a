//! The headless `onecard` CLI: nightly jobs, scripting and support. All logic is in the library.

fn main() {
    std::process::exit(onecard::cli::main_with_args(std::env::args().skip(1).collect()));
}
