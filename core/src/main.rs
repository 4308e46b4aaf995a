//! The headless `onecard` CLI: nightly jobs, scripting and support. All logic is in the library.

// The write path allocates per row on two threads (the writer and SQLite's worker); glibc's
// malloc spent a fifth of the benchmark's CPU time there, mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's option enum (the same in its v2 and v3; the crate's
/// bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // mimalloc hands memory freed for a second back to the kernel, which zeroes it again on the
    // next touch. A writer chain drops its caches (tens of MiB) every few seconds and grows them
    // again: `onecard bench` took 2,800-7,400 page faults with the kernel's page zeroing on a
    // twentieth of its CPU, 555-620 with ten seconds (+6%, BENCHMARKS.md stop 24). The console
    // keeps the default: it idles for hours, and should give memory back.
    // SAFETY: sets one of mimalloc's global options (an atomic store) before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10_000) };
    // No transparent huge pages: mimalloc asks for them, and the kernel then zeroes 2 MiB at the
    // first touch of any byte in them, most of which a group's short-lived allocations never use.
    // Bench, five pairs: +13%, peak RSS ~50 MB lower (BENCHMARKS.md stop 24).
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with an integer option and integer arguments; it touches no memory of ours.
    // On failure (an old kernel) the process simply keeps huge pages.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
    };
    std::process::exit(onecard::cli::main_with_args(std::env::args().skip(1).collect()));
}
