//! Staff pages of list entries: every state, the form (the import's rules, with messages next
//! to each field), removal and its correction, withdrawal, history and restore.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{Staff, done};
use crate::domain::entry::{EntryData, Field};
use crate::domain::{Category, EntryStatus, ListKind, Publication};
use crate::import::check_fields;
use crate::store::{Change, Entity, Entry, StaffFilter};
use crate::views::admin::FieldErrors;
use crate::views::admin::entries::{
    self as views, EntryFormPage, EntryListPage, EntryPage, RemovalPage, date_text, reviews,
};
use crate::web::client::ClientAddr;
use crate::web::params::{Params, limit_offset};
use crate::web::{AppState, Error};
use crate::workflow::{self, By, Draft, Expected, Proposal, WorkflowError, state_of};

const PER_PAGE: u32 = 30;

pub(super) type FormData = HashMap<String, String>;

pub(super) async fn load(state: &AppState, raw: &str) -> Result<Entry, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    state.store.entry(id).await?.ok_or(Error::NotFound)
}

/// What a form saw, as hidden fields.
pub(super) fn expected_fields(
    open: Option<&Change>,
    live_version: Option<i64>,
) -> Vec<(&'static str, String)> {
    match (open, live_version) {
        (Some(c), _) => vec![
            ("change_id", c.id.to_string()),
            ("change_version", c.version.to_string()),
        ],
        (None, Some(v)) => vec![("base_version", v.to_string())],
        (None, None) => Vec::new(),
    }
}

pub(super) fn expected_of(form: &FormData) -> Expected {
    let num = |k: &str| form.get(k).and_then(|v| v.parse::<i64>().ok());
    match (num("change_id"), num("change_version"), num("base_version")) {
        (Some(id), Some(version), _) => Expected::Change { id, version },
        (_, _, Some(version)) => Expected::Live { version },
        _ => Expected::New,
    }
}

/// A workflow refusal as the page to show: field messages come back to the form; a lost race
/// or a refused step is a 409 page saying what to do.
pub(super) fn refusal(e: WorkflowError, reload: &str) -> Result<FieldErrors, Error> {
    match e {
        WorkflowError::Invalid { field, message } => Ok(FieldErrors::one(field, message)),
        WorkflowError::Stale => Err(Error::Conflict(format!(
            "保存失败：该内容在您编辑期间已被他人修改或提交，您的修改未保存。请重新载入（{reload}）查看最新内容后再修改。"
        ))),
        WorkflowError::NotAllowed(m) => Err(Error::Conflict(m)),
        WorkflowError::NotFound => Err(Error::NotFound),
        WorkflowError::Store(e) => Err(e.into()),
    }
}

/// The open change of an entry that can still be edited.
fn editable(open: Option<&Change>) -> Option<&Change> {
    open.filter(|c| matches!(c.state.as_str(), "draft" | "rejected"))
}

fn values_of(d: &EntryData) -> HashMap<&'static str, String> {
    let rows = crate::workflow::diff::entry_fields(None, d);
    let mut v: HashMap<&'static str, String> = Field::ALL
        .into_iter()
        .zip(rows)
        .map(|(f, r)| (f.key(), r.new))
        .collect();
    // The form lists several values one per line, and selects take keys.
    v.insert(Field::Aliases.key(), d.aliases.join("\n"));
    v.insert(Field::Websites.key(), d.websites.join("\n"));
    v.insert(Field::Phones.key(), d.phones.join("\n"));
    v.insert(Field::Category.key(), d.category.key().to_string());
    v.insert(Field::List.key(), d.list.key().to_string());
    v.insert(Field::Status.key(), d.status.key().to_string());
    v
}

fn form_values(form: &FormData) -> HashMap<&'static str, String> {
    Field::ALL
        .into_iter()
        .filter_map(|f| form.get(f.key()).map(|v| (f.key(), v.clone())))
        .collect()
}

/// The entry a form describes, or the messages for its fields.
fn check(
    state: &AppState,
    form: &FormData,
) -> Result<(EntryData, Vec<(String, String)>), FieldErrors> {
    let values: HashMap<Field, String> = Field::ALL
        .into_iter()
        .filter_map(|f| form.get(f.key()).map(|v| (f, super::unix_newlines(v))))
        .collect();
    let (entry, errors, warnings) =
        check_fields(&values, &state.site.publicity_months, state.clock.today());
    let warnings = warnings
        .into_iter()
        .map(|p| (p.column.unwrap_or_default(), p.message))
        .collect();
    match entry {
        Some(d) => Ok((d, warnings)),
        None => {
            let mut e = FieldErrors::default();
            for p in errors {
                let key = Field::ALL
                    .into_iter()
                    .map(Field::key)
                    .find(|k| Some(*k) == p.column.as_deref())
                    .unwrap_or("name");
                e.0.entry(key).or_insert(p.message);
            }
            Err(e)
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Response, Error> {
    let filters = params.filters()?;
    let publication = params.choice(
        "publication",
        "发布状态",
        Publication::parse,
        Publication::accepted,
    )?;
    let page = params.bounded_page(PER_PAGE, "请用筛选条件缩小范围。")?;
    let (limit, offset) = limit_offset(page, PER_PAGE);
    let q = params.get("q").unwrap_or("").to_string();
    let folded = crate::domain::normalize::fold(&q);
    let f = StaffFilter {
        publication,
        list: filters.list,
        category: filters.category,
        status: filters.status,
        q: Some(folded).filter(|s| !s.is_empty()),
        limit,
        offset,
        ..StaffFilter::default()
    };
    let (total, entries) = state.store.staff_entries(&f).await?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", Some(q.clone()).filter(|s| !s.is_empty())),
        ("publication", publication.map(|p| p.key().to_string())),
        ("list", filters.list.map(|l| l.key().to_string())),
        ("category", filters.category.map(|c| c.key().to_string())),
        ("status", filters.status.map(|s| s.key().to_string())),
    ] {
        if let Some(v) = v {
            query.append_pair(k, &v);
        }
    }
    let model = EntryListPage {
        entries,
        total,
        page,
        per_page: PER_PAGE,
        q,
        publication,
        list: filters.list,
        category: filters.category,
        status: filters.status,
        query: query.finish(),
    };
    Ok(views::list(&staff.ctx(&state, "/admin/entries"), &model).into_response())
}

fn blank(state: &AppState) -> HashMap<&'static str, String> {
    HashMap::from([
        (Field::Category.key(), Category::Other.key().to_string()),
        (Field::List.key(), ListKind::Blacklist.key().to_string()),
        (Field::Status.key(), EntryStatus::Listed.key().to_string()),
        (Field::ListedOn.key(), date_text(Some(state.clock.today()))),
    ])
}

pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    let page = EntryFormPage {
        title: "新建条目",
        action: "/admin/entries/new".into(),
        values: blank(&state),
        note: String::new(),
        errors: FieldErrors::default(),
        warnings: Vec::new(),
        note_required: false,
        expected: Vec::new(),
    };
    views::form(&staff.ctx(&state, "/admin/entries"), &page).into_response()
}

fn unprocessable(page: maud::Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let note = form.get("note").cloned().unwrap_or_default();
    let again = |errors: FieldErrors, warnings: Vec<(String, String)>| EntryFormPage {
        title: "新建条目",
        action: "/admin/entries/new".into(),
        values: form_values(&form),
        note: note.clone(),
        errors,
        warnings,
        note_required: false,
        expected: Vec::new(),
    };
    let (data, warnings) = match check(&state, &form) {
        Ok(x) => x,
        Err(errors) => {
            let page = again(errors, Vec::new());
            return Ok(unprocessable(views::form(
                &staff.ctx(&state, "/admin/entries"),
                &page,
            )));
        }
    };
    let by = By {
        user: &staff.user,
        address: &address,
    };
    match workflow::save(
        &state.store,
        &state.clock,
        by,
        Draft {
            entity: Entity::Entry,
            id: None,
            proposal: &Proposal::Entry(data),
            note: &note,
            expected: Expected::New,
        },
    )
    .await
    {
        Ok((id, _)) => {
            let msg = if warnings.is_empty() {
                "已保存草稿。核对无误后请“提交审核”。".to_string()
            } else {
                format!(
                    "已保存草稿（提示：{}）。",
                    warnings
                        .iter()
                        .map(|(_, w)| w.as_str())
                        .collect::<Vec<_>>()
                        .join("；")
                )
            };
            Ok(done(&state, &staff, &msg, &format!("/admin/entries/{id}")).await)
        }
        Err(e) => {
            let errors = refusal(e, "/admin/entries/new")?;
            let page = again(errors, warnings);
            Ok(unprocessable(views::form(
                &staff.ctx(&state, "/admin/entries"),
                &page,
            )))
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let open = state.store.open_change(Entity::Entry, entry.id).await?;
    let revisions = state.store.revisions(Entity::Entry, entry.id).await?;
    let page = EntryPage {
        entry: &entry,
        open: open.as_ref(),
        revisions: &revisions,
        can_review: reviews(staff.user.role),
        errors: FieldErrors::default(),
    };
    Ok(views::show(&staff.ctx(&state, "/admin/entries"), &page).into_response())
}

/// The data an edit starts from: the open change that can still be edited, else the live row.
fn starting_point(entry: &Entry, open: Option<&Change>) -> EntryData {
    editable(open)
        .and_then(|c| serde_json::from_str(&c.data).ok())
        .unwrap_or_else(|| entry.data.clone())
}

fn note_required(entry: &Entry) -> bool {
    entry.published_at.is_some()
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let open = state.store.open_change(Entity::Entry, entry.id).await?;
    if let Some(c) = &open
        && editable(Some(c)).is_none()
    {
        return Err(Error::Conflict(format!(
            "这个条目有一项修改正在“{}”，暂时不能编辑。",
            state_of(c).label()
        )));
    }
    let data = starting_point(&entry, open.as_ref());
    let page = EntryFormPage {
        title: "编辑条目",
        action: format!("/admin/entries/{}/edit", entry.id),
        values: values_of(&data),
        note: editable(open.as_ref())
            .map(|c| c.note.clone())
            .unwrap_or_default(),
        errors: FieldErrors::default(),
        warnings: Vec::new(),
        note_required: note_required(&entry),
        expected: expected_fields(open.as_ref(), Some(entry.version)),
    };
    Ok(views::form(&staff.ctx(&state, "/admin/entries"), &page).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let note = form.get("note").cloned().unwrap_or_default();
    let expected = expected_of(&form);
    let kept: Vec<(&'static str, String)> = ["change_id", "change_version", "base_version"]
        .into_iter()
        .filter_map(|k| form.get(k).map(|v| (k, v.clone())))
        .collect();
    let again = |errors: FieldErrors, warnings: Vec<(String, String)>| EntryFormPage {
        title: "编辑条目",
        action: format!("/admin/entries/{}/edit", entry.id),
        values: form_values(&form),
        note: note.clone(),
        errors,
        warnings,
        note_required: note_required(&entry),
        expected: kept.clone(),
    };
    let (data, warnings) = match check(&state, &form) {
        Ok(x) => x,
        Err(errors) => {
            let page = again(errors, Vec::new());
            return Ok(unprocessable(views::form(
                &staff.ctx(&state, "/admin/entries"),
                &page,
            )));
        }
    };
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let reload = format!("/admin/entries/{}", entry.id);
    match workflow::save(
        &state.store,
        &state.clock,
        by,
        Draft {
            entity: Entity::Entry,
            id: Some(entry.id),
            proposal: &Proposal::Entry(data),
            note: &note,
            expected,
        },
    )
    .await
    {
        Ok(_) => Ok(done(
            &state,
            &staff,
            "已保存草稿。核对无误后请“提交审核”。",
            &reload,
        )
        .await),
        Err(e) => {
            let errors = refusal(e, &reload)?;
            let page = again(errors, warnings);
            Ok(unprocessable(views::form(
                &staff.ctx(&state, "/admin/entries"),
                &page,
            )))
        }
    }
}

fn removal_page<'a>(entry: &'a Entry, open: Option<&Change>) -> RemovalPage<'a> {
    let d = starting_point(entry, open);
    RemovalPage {
        entry,
        removed_on: date_text(d.removed_on),
        reason: d.removal_reason.clone(),
        authority: d.removal_authority.clone(),
        relist: false,
        note: String::new(),
        errors: FieldErrors::default(),
        expected: expected_fields(editable(open), Some(entry.version)),
    }
}

pub async fn removal_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let open = state.store.open_change(Entity::Entry, entry.id).await?;
    let page = removal_page(&entry, open.as_ref());
    Ok(views::removal(&staff.ctx(&state, "/admin/entries"), &page).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let open = state.store.open_change(Entity::Entry, entry.id).await?;
    let mut d = starting_point(&entry, open.as_ref());
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let relist = form.contains_key("relist");
    let mut errors = FieldErrors::default();
    if relist {
        d.status = EntryStatus::Listed;
        d.removed_on = None;
        d.removal_reason.clear();
        d.removal_authority.clear();
    } else {
        d.status = EntryStatus::Removed;
        match crate::domain::dates::parse_date(&get("removed_on")) {
            Ok(date) if d.listed_on.is_some_and(|l| date < l) => {
                errors
                    .0
                    .insert("removed_on", "移出日期不能早于列入日期。".into());
            }
            Ok(date) => d.removed_on = Some(date),
            Err(_) => {
                errors
                    .0
                    .insert("removed_on", "请填写移出日期，如 2026-11-01。".into());
            }
        }
        d.removal_reason = get("removal_reason");
        if d.removal_reason.is_empty() {
            errors.0.insert(
                "removal_reason",
                "请填写移出原因，如“整改完成”“信用修复”。".into(),
            );
        }
        d.removal_authority = match get("removal_authority") {
            a if a.is_empty() => d.authority.clone(),
            a => a,
        };
    }
    let note = get("note");
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let reload = format!("/admin/entries/{}", entry.id);
    if errors.is_empty() {
        match workflow::save(
            &state.store,
            &state.clock,
            by,
            Draft {
                entity: Entity::Entry,
                id: Some(entry.id),
                proposal: &Proposal::Entry(d),
                note: &note,
                expected: expected_of(&form),
            },
        )
        .await
        {
            Ok(_) => {
                return Ok(done(&state, &staff, "已保存移出信息草稿，请提交审核。", &reload).await);
            }
            Err(e) => errors = refusal(e, &reload)?,
        }
    }
    let mut page = removal_page(&entry, open.as_ref());
    page.removed_on = get("removed_on");
    page.reason = get("removal_reason");
    page.authority = get("removal_authority");
    page.relist = relist;
    page.note = note;
    page.errors = errors;
    Ok(unprocessable(views::removal(
        &staff.ctx(&state, "/admin/entries"),
        &page,
    )))
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    Ok(views::withdraw_confirm(
        &staff.ctx(&state, "/admin/entries"),
        &entry,
        "",
        &FieldErrors::default(),
    )
    .into_response())
}

pub async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let entry = load(&state, &raw).await?;
    let version = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    let reason = form.get("reason").cloned().unwrap_or_default();
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let reload = format!("/admin/entries/{}", entry.id);
    match workflow::withdraw(
        &state.store,
        &state.clock,
        by,
        Entity::Entry,
        entry.id,
        version,
        &reason,
    )
    .await
    {
        Ok(()) => Ok(done(&state, &staff, "已撤回，该条目已停止公示。", &reload).await),
        Err(e) => {
            let errors = refusal(e, &reload)?;
            Ok(unprocessable(views::withdraw_confirm(
                &staff.ctx(&state, "/admin/entries"),
                &entry,
                &reason,
                &errors,
            )))
        }
    }
}
