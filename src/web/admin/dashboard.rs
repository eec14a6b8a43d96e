use axum::extract::State;
use maud::Markup;

use super::Staff;
use crate::views::admin::dashboard;
use crate::web::AppState;

pub async fn show(State(state): State<AppState>, staff: Staff) -> Markup {
    dashboard::page(&staff.ctx(&state, "/admin"))
}
