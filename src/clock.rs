//! The time the application runs at: the system clock, or a clock that tests set and move
//! (to stand at China midnight, say). Everything that asks "what day is it" asks this.

use std::sync::{Arc, Mutex};

use time::{Date, Duration, OffsetDateTime};

use crate::domain::dates::CHINA;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<OffsetDateTime>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock standing at `at` until it is set or advanced.
    pub fn fixed(at: OffsetDateTime) -> Clock {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &self.fixed {
            Some(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
            None => OffsetDateTime::now_utc(),
        }
    }

    /// Today's date in China, the calendar publicity periods are counted in.
    pub fn today(&self) -> Date {
        self.now().to_offset(CHINA).date()
    }

    /// Moves a fixed clock to `at`; the system clock cannot be moved.
    pub fn set(&self, at: OffsetDateTime) {
        if let Some(t) = &self.fixed {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }

    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.fixed {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn today_turns_at_china_midnight() {
        let clock = Clock::fixed(datetime!(2026-06-30 15:59:59 UTC));
        assert_eq!(clock.today(), date!(2026 - 06 - 30));
        clock.advance(Duration::seconds(1));
        assert_eq!(clock.today(), date!(2026 - 07 - 01));
    }
}
