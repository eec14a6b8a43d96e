//! The audit log for admins: a filtered, paged list and the same rows as a CSV download.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use time::Date;

use super::Staff;
use crate::domain::dates::{china_midnight, parse_date};
use crate::staff::audit::{self, Action, CSV_HEADER, Who, write_csv};
use crate::store::{AuditFilter, Store};
use crate::views::admin::audit::{AuditPage, page};
use crate::web::client::ClientAddr;
use crate::web::params::{Params, limit_offset};
use crate::web::{AppState, Error};

const PER_PAGE: u32 = 50;
/// Rows read per query while streaming an export.
const EXPORT_BATCH: i64 = 2_000;

struct Filters {
    filter: AuditFilter,
    actor: Option<String>,
    action: Option<String>,
    from: Option<Date>,
    until: Option<Date>,
}

fn filters(params: &Params) -> Result<Filters, Error> {
    let date = |key: &str, label: &str| -> Result<Option<Date>, Error> {
        params
            .get(key)
            .map(|v| {
                parse_date(v)
                    .map_err(|_| Error::BadRequest(format!("“{label}”应为日期，如 2026-11-01。")))
            })
            .transpose()
    };
    let from = date("from", "起始日期")?;
    let until = date("until", "截止日期")?;
    let actor = params.get("actor").map(str::to_string);
    let action = match params.get("action") {
        Some(a) if Action::from_key(a).is_none() => {
            return Err(Error::BadRequest("参数“操作”无法识别。".into()));
        }
        a => a.map(str::to_string),
    };
    Ok(Filters {
        filter: AuditFilter {
            actor: actor.clone(),
            action: action.clone(),
            from: from.map(china_midnight),
            until: until.and_then(|d| d.next_day()).map(china_midnight),
            ..AuditFilter::default()
        },
        actor,
        action,
        from,
        until,
    })
}

fn query_string(f: &Filters) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(a) = &f.actor {
        q.append_pair("actor", a);
    }
    if let Some(a) = &f.action {
        q.append_pair("action", a);
    }
    if let Some(d) = f.from {
        q.append_pair("from", &crate::domain::dates::iso(d));
    }
    if let Some(d) = f.until {
        q.append_pair("until", &crate::domain::dates::iso(d));
    }
    q.finish()
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Response, Error> {
    let f = filters(&params)?;
    let page_no = params.bounded_page(PER_PAGE, "请用日期等条件缩小范围，或下载 CSV。")?;
    let (limit, offset) = limit_offset(page_no, PER_PAGE);
    let filter = AuditFilter {
        limit,
        offset,
        ..f.filter.clone()
    };
    let (total, entries) = state.store.audit_entries(&filter).await?;
    let model = AuditPage {
        entries,
        total,
        page: page_no,
        per_page: PER_PAGE,
        actors: state.store.audit_actors().await?,
        actor: f.actor.clone(),
        action: f.action.clone(),
        from: f.from.map(crate::domain::dates::iso),
        until: f.until.map(crate::domain::dates::iso),
        query: query_string(&f),
    };
    Ok(page(&staff.ctx(&state, "/admin/audit"), &model).into_response())
}

/// The rows of a filter as CSV (UTF-8 with BOM, so Excel opens it), oldest first, a batch at
/// a time; the first chunk carries the header.
pub fn csv_stream(
    store: Store,
    filter: AuditFilter,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(0_i64), move |after| {
        let store = store.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            let batch = AuditFilter {
                after_id: Some(after),
                limit: EXPORT_BATCH,
                offset: 0,
                ..filter
            };
            let rows = match store.audit_entries(&batch).await {
                Ok((_, rows)) => rows,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            };
            let first = after == 0;
            let bom = if first {
                "\u{feff}".as_bytes().to_vec()
            } else {
                Vec::new()
            };
            let mut out = csv::Writer::from_writer(bom);
            if first && let Err(e) = out.write_record(CSV_HEADER) {
                return Some((Err(std::io::Error::other(e)), None));
            }
            if let Err(e) = write_csv(&mut out, &rows) {
                return Some((Err(std::io::Error::other(e)), None));
            }
            let bytes = out.into_inner().unwrap_or_default();
            let next = match rows.last() {
                Some(last) if rows.len() as i64 == EXPORT_BATCH => Some(last.id),
                _ => None,
            };
            Some((Ok(Bytes::from(bytes)), next))
        }
    })
}

pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    params: Params,
) -> Result<Response, Error> {
    let f = filters(&params)?;
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &Who::user(&staff.user, &address),
        Action::AuditExport,
        "审计日志",
        &query_string(&f),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let name = format!(
        "audit-{}.csv",
        crate::domain::dates::iso(state.clock.today())
    );
    let mut res = Body::from_stream(csv_stream(state.store.clone(), f.filter)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
