//! Commands the UI can invoke, one module per domain noun. Each is a few lines over one core call,
//! so the console and the `onecard` CLI can never disagree on a number. Arguments arrive in
//! snake_case (`rename_all`), as the bindings in ui/src/bindings name them.

pub mod analytics;
pub mod cards;
pub mod catalog;
pub mod clearing;
pub mod database;
pub mod members;
pub mod overview;
pub mod payments;
pub mod session;
pub mod users;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use onecard::{JobControl, JobProgress};
use tauri::ipc::Channel;

/// How often at most a long job's progress goes to the screen within one stage.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The control of a long job whose progress goes to the screen on `channel`: every change of
/// stage and the end of each, otherwise at most every [`PROGRESS_EVERY`]. A 150,000-row import
/// reports over a thousand chunks in a few seconds, and each message is a script the webview runs
/// and a re-render; sent as they came, they queued up under load, the screen fell seconds behind
/// the job and a Cancel clicked on it arrived after the commit.
pub(crate) fn progress_control(channel: Channel<JobProgress>) -> JobControl {
    let gate = Mutex::new(Throttle::default());
    JobControl::new(move |p| {
        if gate.lock().unwrap_or_else(|e| e.into_inner()).admit(&p, Instant::now()) {
            // A closed window cannot take progress any more; the job goes on regardless.
            let _ = channel.send(p);
        }
    })
}

/// Which progress reports go out (see [`progress_control`]).
#[derive(Default)]
struct Throttle {
    last: Option<(Instant, String)>,
}

impl Throttle {
    fn admit(&mut self, p: &JobProgress, now: Instant) -> bool {
        let due = match &self.last {
            None => true,
            Some((at, stage)) => *stage != p.stage || p.done >= p.total || now.duration_since(*at) >= PROGRESS_EVERY,
        };
        if due {
            self.last = Some((now, p.stage.clone()));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(stage: &str, done: u64, total: u64) -> JobProgress {
        JobProgress { done, total, stage: stage.to_string() }
    }

    #[test]
    fn progress_goes_out_per_stage_and_end_and_otherwise_every_100_ms() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut gate = Throttle::default();
        let sent: Vec<bool> = [
            (p("reading", 0, 10), at(0)),
            (p("reading", 10, 10), at(1)),   // the end of a stage
            (p("checking", 0, 1000), at(2)), // a new stage
            (p("checking", 100, 1000), at(50)),
            (p("checking", 200, 1000), at(101)), // 99 ms after the last one sent
            (p("checking", 300, 1000), at(150)),
            (p("checking", 400, 1000), at(202)),
            (p("writing", 0, 1000), at(203)),
            (p("writing", 10, 1000), at(204)),
            (p("committed", 1000, 1000), at(205)),
        ]
        .iter()
        .map(|(p, now)| gate.admit(p, *now))
        .collect();
        assert_eq!(sent, [true, true, true, false, false, true, false, true, false, true]);
    }
}
