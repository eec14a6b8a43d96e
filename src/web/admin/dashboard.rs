use axum::extract::State;
use maud::Markup;

use super::Staff;
use crate::domain::Role;
use crate::staff::settings;
use crate::store::{ChangeFilter, ChangeState};
use crate::views::admin::dashboard::{Dashboard, page};
use crate::web::{AppState, Error};

pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, Error> {
    let me = staff.user.id;
    let list = |states: Vec<ChangeState>,
                author: Option<i64>,
                not_author: Option<i64>,
                limit: i64| ChangeFilter {
        author_id: author,
        not_author_id: not_author,
        states,
        limit,
        ..ChangeFilter::default()
    };
    let store = &state.store;
    let own_review = settings::load(store).await?.allow_self_approval;
    let to_review = if staff.user.role.allows(Role::Reviewer) {
        let not_mine = (!own_review).then_some(me);
        store
            .changes(&list(vec![ChangeState::InReview], None, not_mine, 50))
            .await?
    } else {
        Vec::new()
    };
    let d = Dashboard {
        drafts: store
            .changes(&list(vec![ChangeState::Draft], Some(me), None, 50))
            .await?,
        returned: store
            .changes(&list(vec![ChangeState::Rejected], Some(me), None, 50))
            .await?,
        to_review,
        scheduled: store
            .changes(&list(vec![ChangeState::Scheduled], None, None, 50))
            .await?,
        published: store
            .changes(&list(vec![ChangeState::Published], None, None, 10))
            .await?,
    };
    Ok(page(&staff.ctx(&state, "/admin"), &d))
}
