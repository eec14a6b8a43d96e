//! The changes feed's data: what each write of an entry did to the public list, recorded with
//! its revision (`entry_revisions.event`), and the feed positions given to those revisions once
//! committed (`entry_revisions.seq`, in commit order; see `Store::settle_change_feed`).

use time::{Date, OffsetDateTime};

use super::visibility::admits;
use crate::domain::entry::EntryData;
use crate::domain::{ChangeKind, EntryStatus, Publication};

/// What a write did to the public list, from the entry before (`None`: new) and after it, on
/// `today`: `None` when the entry was public neither before nor after.
pub fn change_of(
    before: Option<(Publication, &EntryData)>,
    after: (Publication, &EntryData),
    today: Date,
) -> Option<ChangeKind> {
    let public = |(p, d): (Publication, &EntryData)| admits(p, d.publicity_ends_on, today);
    let was = before.filter(|b| public(*b));
    match (was, public(after)) {
        (None, false) => None,
        (None, true) => Some(ChangeKind::Listed),
        (Some(_), false) if after.0 == Publication::Published => Some(ChangeKind::PublicityEnded),
        (Some(_), false) => Some(ChangeKind::Withdrawn),
        (Some((_, old)), true) => Some(match (old.status, after.1.status) {
            (EntryStatus::Listed, EntryStatus::Removed) => ChangeKind::Removed,
            (EntryStatus::Removed, EntryStatus::Listed) => ChangeKind::Listed,
            _ => ChangeKind::Updated,
        }),
    }
}

/// One event of the changes feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    /// The feed position: increasing in commit order.
    pub seq: i64,
    pub entry_id: i64,
    pub kind: ChangeKind,
    /// When the change took effect (a publicity end: the China midnight it ended at).
    pub at: OffsetDateTime,
}

/// Where the changes feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedState {
    /// The last position given.
    pub last_seq: i64,
    /// The last day whose publicity ends are recorded as events.
    pub ended_through: Option<Date>,
    /// Committed events still wait for a position.
    pub unsequenced: bool,
}

impl FeedState {
    /// Whether the feed is complete as of `today`: every committed event has its position and
    /// every publicity that ended before today is recorded.
    pub fn settled(&self, today: Date) -> bool {
        !self.unsequenced
            && self
                .ended_through
                .is_some_and(|d| d >= today.previous_day().unwrap_or(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::tests::sample;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn a_write_is_classified_by_what_the_public_saw_before_and_after() {
        let listed = sample();
        let mut removed = sample();
        removed.status = EntryStatus::Removed;
        let mut ended = sample();
        ended.publicity_ends_on = Some(date!(2026 - 11 - 27));
        let mut last_day = sample();
        last_day.publicity_ends_on = Some(TODAY);
        use Publication::{Draft, Published, Withdrawn};
        assert_eq!(change_of(None, (Draft, &listed), TODAY), None);
        assert_eq!(
            change_of(None, (Published, &listed), TODAY),
            Some(ChangeKind::Listed)
        );
        assert_eq!(
            change_of(Some((Draft, &listed)), (Published, &listed), TODAY),
            Some(ChangeKind::Listed)
        );
        assert_eq!(
            change_of(Some((Published, &listed)), (Published, &listed), TODAY),
            Some(ChangeKind::Updated)
        );
        assert_eq!(
            change_of(Some((Published, &listed)), (Published, &removed), TODAY),
            Some(ChangeKind::Removed)
        );
        assert_eq!(
            change_of(Some((Published, &removed)), (Published, &listed), TODAY),
            Some(ChangeKind::Listed)
        );
        assert_eq!(
            change_of(Some((Published, &listed)), (Withdrawn, &listed), TODAY),
            Some(ChangeKind::Withdrawn)
        );
        assert_eq!(
            change_of(Some((Published, &listed)), (Published, &ended), TODAY),
            Some(ChangeKind::PublicityEnded)
        );
        assert_eq!(
            change_of(Some((Published, &last_day)), (Published, &last_day), TODAY),
            Some(ChangeKind::Updated),
            "the last day of publicity is still public"
        );
        assert_eq!(
            change_of(Some((Published, &ended)), (Withdrawn, &ended), TODAY),
            None,
            "already out of view"
        );
        assert_eq!(
            change_of(Some((Published, &ended)), (Published, &listed), TODAY),
            Some(ChangeKind::Listed),
            "publicity extended"
        );
    }
}
