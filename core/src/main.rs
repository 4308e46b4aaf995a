//! The headless `onecard` CLI: nightly jobs, scripting and support. All logic is in the library.

// The write path allocates per row on two threads (the writer and SQLite's worker); glibc's
// malloc spent a fifth of the benchmark's CPU time there, mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(onecard::cli::main_with_args(std::env::args().skip(1).collect()));
}
