//! Where helper threads leave each tx's pre-check for the thread that
//! executes the txs in order. Each slot is filled once and taken once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What the helpers finished, under one lock.
struct Done<T> {
    /// `Some` once slot i is filled, until it is taken.
    slots: Vec<Option<T>>,
    /// Whether the executing thread sleeps until a slot fills.
    waiting: bool,
}

pub struct Handoff<T> {
    done: Mutex<Done<T>>,
    /// Set once slot i is filled, so a waiter can spin without the lock.
    filled: Vec<AtomicBool>,
    ready: Condvar,
}

impl<T> Handoff<T> {
    pub fn new(n: usize) -> Self {
        Handoff {
            done: Mutex::new(Done {
                slots: (0..n).map(|_| None).collect(),
                waiting: false,
            }),
            filled: (0..n).map(|_| AtomicBool::new(false)).collect(),
            ready: Condvar::new(),
        }
    }

    pub fn fill(&self, i: usize, value: T) {
        let mut done = self.lock();
        done.slots[i] = Some(value);
        self.filled[i].store(true, Ordering::Release);
        // Waking is a system call: only when the executing thread sleeps.
        let wake = done.waiting;
        drop(done);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Slot i's value if it is filled (and not taken yet).
    pub fn try_take(&self, i: usize) -> Option<T> {
        self.lock().slots[i].take()
    }

    /// Slot i's value, once some thread fills it: spinning up to
    /// `max_spin` first, then sleeping. Spinning keeps the core awake for
    /// a fill that is close: a sleeping thread took ~25 us to wake on this
    /// VM, and a helper that found no work while the executing thread slept
    /// went to sleep too and started the next batch ~100 us late.
    pub fn take(&self, i: usize, max_spin: Duration) -> T {
        let start = Instant::now();
        while !self.filled[i].load(Ordering::Acquire) && start.elapsed() < max_spin {
            std::hint::spin_loop();
        }
        let mut done = self.lock();
        done.waiting = true;
        let value = loop {
            if let Some(v) = done.slots[i].take() {
                break v;
            }
            done = self
                .ready
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        };
        done.waiting = false;
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Done<T>> {
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_hand_each_filled_value_over_once() {
        let h = Handoff::new(3);
        assert_eq!(h.try_take(1), None);
        h.fill(1, "b");
        h.fill(0, "a");
        assert_eq!(h.try_take(1), Some("b"));
        assert_eq!(h.try_take(1), None);
        assert_eq!(h.take(0, Duration::ZERO), "a");
        assert_eq!(h.try_take(2), None);
    }

    /// The same wait whether the fill comes while the waiter spins or only
    /// after it went to sleep.
    #[test]
    fn should_wait_for_a_fill_from_another_thread_spinning_or_asleep() {
        for (spin, delay) in [(Duration::from_secs(5), 20), (Duration::ZERO, 50)] {
            let h = Handoff::new(2);
            let start = Instant::now();
            let got = std::thread::scope(|s| {
                s.spawn(|| {
                    std::thread::sleep(Duration::from_millis(delay));
                    h.fill(1, 7u32);
                });
                h.take(1, spin)
            });
            assert_eq!(got, 7);
            // A spin ends at the fill, not at its limit.
            assert!(spin.is_zero() || start.elapsed() < spin);
            assert!(!h.lock().waiting, "the waiter says it no longer sleeps");
        }
    }
}
