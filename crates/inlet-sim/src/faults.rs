//! Fault injection for client tests: set at start, changeable while running (admin
//! `PUT /__admin/faults` or `Sim::set_faults`).

use std::sync::RwLock;

use serde::{Deserialize, Serialize};

/// What can go wrong. All fields default to "nothing goes wrong", so a partial JSON object
/// only switches on what it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Fraction (0..=1) of MNS requests answered 500 or 503 `InternalError` before any effect.
    pub error_rate: f64,
    /// Fraction of MNS requests whose connection is reset without any response.
    pub reset_rate: f64,
    /// Extra delay before every MNS request is handled.
    pub latency_ms: u64,
    /// Fraction of delivered messages that get delivered a second time: a copy with a fresh
    /// MessageId is enqueued, as a ChatApp producer pushing twice would cause.
    pub duplicate_rate: f64,
    /// Long polls do not wait: an empty queue answers 404 MessageNotExist at once (like the
    /// service's anti-abuse limit on concurrent long polls).
    pub fast_empty: bool,
    /// The server's clock is off by this many seconds for Date / x-acs-date checks.
    pub clock_skew_secs: i64,
}

/// What to do with one MNS request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Proceed,
    /// Answer `InternalError` with this HTTP status (500 or 503).
    Fail(u16),
    Reset,
}

impl Faults {
    /// Rolls the dice for one request.
    pub fn verdict(&self) -> Verdict {
        if chance(self.reset_rate) {
            Verdict::Reset
        } else if chance(self.error_rate) {
            Verdict::Fail(if rand::random::<bool>() { 500 } else { 503 })
        } else {
            Verdict::Proceed
        }
    }

    pub fn duplicate(&self) -> bool {
        chance(self.duplicate_rate)
    }
}

fn chance(rate: f64) -> bool {
    rate > 0.0 && (rate >= 1.0 || rand::random::<f64>() < rate)
}

/// The live setting shared by all requests.
#[derive(Debug, Default)]
pub struct FaultSwitch(RwLock<Faults>);

impl FaultSwitch {
    pub fn new(f: Faults) -> Self {
        Self(RwLock::new(f))
    }

    pub fn get(&self) -> Faults {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set(&self, f: Faults) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_do_nothing_and_partial_json_works() {
        let f = Faults::default();
        assert!((0..100).all(|_| f.verdict() == Verdict::Proceed && !f.duplicate()));
        let f: Faults = serde_json::from_str(r#"{"error_rate":1.0}"#).unwrap();
        assert!(matches!(f.verdict(), Verdict::Fail(500 | 503)));
        let f: Faults = serde_json::from_str(r#"{"reset_rate":1,"fast_empty":true}"#).unwrap();
        assert_eq!(f.verdict(), Verdict::Reset);
        assert!(f.fast_empty);
    }

    #[test]
    fn switch_changes_live() {
        let s = FaultSwitch::default();
        s.set(Faults {
            latency_ms: 5,
            ..Faults::default()
        });
        assert_eq!(s.get().latency_ms, 5);
    }
}
