//! The audit log for admins: filters (person, action, date range), pages, CSV download.

use maud::{Markup, html};

use super::{AdminCtx, layout, table_region};
use crate::domain::dates::china_minute;
use crate::staff::audit::{Action, label_of};
use crate::store::AuditEntry;
use crate::views::components::pagination;

pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub actors: Vec<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    /// The filters as a query string (without `page`).
    pub query: String,
}

pub fn page(ctx: &AdminCtx<'_>, m: &AuditPage) -> Markup {
    let base = if m.query.is_empty() {
        "/admin/audit".to_string()
    } else {
        format!("/admin/audit?{}", m.query)
    };
    let csv = if m.query.is_empty() {
        "/admin/audit.csv".to_string()
    } else {
        format!("/admin/audit.csv?{}", m.query)
    };
    layout(
        ctx,
        "审计日志",
        html! {
            h1 { "审计日志" }
            p.help { "记录所有登录、账户变更、导入和发布操作，只能追加，不能修改或删除。时间为北京时间。" }
            form.filters.no-print method="get" action="/admin/audit" {
                div.field {
                    label for="f-actor" { "操作人" }
                    select #f-actor name="actor" {
                        option value="" selected[m.actor.is_none()] { "全部" }
                        @for a in &m.actors { option value=(a) selected[m.actor.as_deref() == Some(a)] { (a) } }
                    }
                }
                div.field {
                    label for="f-action" { "操作" }
                    select #f-action name="action" {
                        option value="" selected[m.action.is_none()] { "全部" }
                        @for a in Action::ALL {
                            option value=(a.key()) selected[m.action.as_deref() == Some(a.key())] { (a.label()) }
                        }
                    }
                }
                div.field {
                    label for="f-from" { "起始日期" }
                    input #f-from type="date" name="from" value=[m.from.as_deref()];
                }
                div.field {
                    label for="f-until" { "截止日期" }
                    input #f-until type="date" name="until" value=[m.until.as_deref()];
                }
                div.field.actions {
                    button type="submit" { "筛选" }
                    a href="/admin/audit" { "清除条件" }
                }
            }
            p.result-count role="status" { "共 " strong { (m.total) } " 条 · " a href=(csv) { "下载 CSV" } }
            @if m.entries.is_empty() {
                p.empty { "没有符合条件的记录。" a href="/admin/audit" { "清除条件" } }
            } @else {
            (table_region("审计记录", html! {
                table.audit {
                    caption.visually-hidden { "审计记录（第 " (m.page) " 页）" }
                    thead { tr { th scope="col" { "时间" } th scope="col" { "操作人" } th scope="col" { "来源地址" }
                        th scope="col" { "操作" } th scope="col" { "对象" } th scope="col" { "摘要" } } }
                    tbody {
                        @for e in &m.entries {
                            tr {
                                td.nowrap { (china_minute(e.at)) }
                                td { (e.actor) }
                                td { (e.address) }
                                td { (label_of(&e.action)) }
                                td { (e.target) }
                                td { (e.summary) }
                            }
                        }
                    }
                }
            }))
            }
            (pagination(&base, m.page, m.total, m.per_page))
        },
    )
}
