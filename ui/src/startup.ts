// Start-up timings for the cold-start benchmark (BENCHMARKS.md): when the webview began loading
// the page (performance.timeOrigin, ms since the epoch) and when the bundle had been evaluated
// (main.tsx marks it, after every import ran). The shell adds when the process started, so the
// figure splits into WebKit's start, loading the bundle, and the first screen.
let evaluatedAt: number | null = null;

export function markEvaluated(): void {
  evaluatedAt ??= performance.now();
}

/** Whole milliseconds: the shell takes integers (money and time are never floats there). */
export function startupTimings(): { origin_ms: number; evaluated_ms: number | null } {
  return {
    origin_ms: Math.round(performance.timeOrigin),
    evaluated_ms: evaluatedAt === null ? null : Math.round(evaluatedAt),
  };
}
