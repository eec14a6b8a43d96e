//! Staff pages of articles: warnings, case studies and notices, written in Markdown with a
//! server-rendered preview, related entries chosen by searching, attachments checked by
//! content, and the same review workflow as entries.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::entries::{expected_fields, refusal};
use super::{Staff, done};
use crate::domain::ArticleKind;
use crate::domain::article::{ArticleData, parse_slug};
use crate::domain::dates::{iso, parse_date};
use crate::domain::normalize::split_multi;
use crate::staff::audit::{self, Action, Who};
use crate::store::{Article, Change, Entity, NewAttachment, StaffFilter};
use crate::views::admin::FieldErrors;
use crate::views::admin::articles::{
    self as views, ArticleForm, ArticleFormPage, ArticleListPage, ArticlePage,
};
use crate::views::admin::entries::reviews;
use crate::web::attachments::{MAX_SIZE, clean_name, path_of, sniff};
use crate::web::client::ClientAddr;
use crate::web::params::{Params, limit_offset};
use crate::web::{AppState, Error};
use crate::workflow::{self, By, Draft, Proposal, slug};

const PER_PAGE: u32 = 30;

type FormData = Vec<(String, String)>;

pub(super) async fn load(state: &AppState, raw: &str) -> Result<Article, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    state.store.article_by_id(id).await?.ok_or(Error::NotFound)
}

fn get<'a>(form: &'a FormData, key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn editable(open: Option<&Change>) -> Option<&Change> {
    open.filter(|c| matches!(c.state.as_str(), "draft" | "rejected"))
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Response, Error> {
    let page = params.bounded_page(PER_PAGE, "请缩小范围。")?;
    let (limit, offset) = limit_offset(page, PER_PAGE);
    let (total, articles) = state
        .store
        .staff_articles(&StaffFilter {
            limit,
            offset,
            ..StaffFilter::default()
        })
        .await?;
    let model = ArticleListPage {
        articles,
        total,
        page,
        per_page: PER_PAGE,
        query: String::new(),
    };
    Ok(views::list(&staff.ctx(&state, "/admin/articles"), &model).into_response())
}

/// The names of related entries referenced as `#id`.
async fn related_names(state: &AppState, refs: &[String]) -> Result<Vec<(i64, String)>, Error> {
    let ids: Vec<i64> = refs
        .iter()
        .filter_map(|r| r.strip_prefix('#').and_then(|n| n.parse().ok()))
        .collect();
    let entries = state.store.entries_by_ids(&ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            entries
                .iter()
                .find(|e| e.id == *id)
                .map(|e| (e.id, e.data.name.clone()))
        })
        .collect())
}

async fn form_of(state: &AppState, a: &ArticleData, note: &str) -> Result<ArticleForm, Error> {
    Ok(ArticleForm {
        kind: a.kind.key().to_string(),
        title: a.title.clone(),
        slug: a.slug.clone(),
        summary: a.summary.clone(),
        body_md: a.body_md.clone(),
        tags: a.tags.join("、"),
        doc_no: a.doc_no.clone().unwrap_or_default(),
        published_on: iso(a.published_on),
        related: related_names(state, &a.related_entries).await?,
        note: note.to_string(),
    })
}

/// The article a form describes, or the messages for its fields.
fn check(state: &AppState, form: &FormData, new: bool) -> Result<ArticleData, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = get(form, "title").trim().to_string();
    if title.is_empty() {
        errors.0.insert("title", "请填写标题。".into());
    } else if title.chars().count() > 200 {
        errors
            .0
            .insert("title", "标题过长（最多 200 个字符）。".into());
    }
    let mut slug_text = get(form, "slug").trim().to_string();
    if slug_text.is_empty() && new {
        slug_text = slug::suggest(&title);
    }
    if parse_slug(&slug_text).is_err() {
        errors.0.insert(
            "slug",
            "地址名只能使用小写字母、数字和连字符，最长 80 个字符。".into(),
        );
    }
    let body = get(form, "body_md").to_string();
    if body.trim().is_empty() {
        errors.0.insert("body_md", "请填写正文。".into());
    }
    let summary = get(form, "summary").trim().to_string();
    if summary.chars().count() > 500 {
        errors
            .0
            .insert("summary", "摘要过长（最多 500 个字符）。".into());
    }
    let published_on = match get(form, "published_on").trim() {
        "" => state.clock.today(),
        text => match parse_date(text) {
            Ok(d) => d,
            Err(e) => {
                errors.0.insert("published_on", e.to_string());
                state.clock.today()
            }
        },
    };
    let kind = ArticleKind::from_key(get(form, "kind")).unwrap_or(ArticleKind::Warning);
    let mut related: Vec<String> = Vec::new();
    for (k, v) in form {
        if k == "related" && v.starts_with('#') && !related.contains(v) {
            related.push(v.clone());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let tags = split_multi(&get(form, "tags").replace([',', '，'], "、"));
    Ok(ArticleData {
        slug: slug_text,
        kind,
        title,
        summary,
        body_md: body,
        doc_no: Some(get(form, "doc_no").trim().to_string()).filter(|d| !d.is_empty()),
        tags,
        published_on,
        related_entries: related,
    })
}

fn raw_form(form: &FormData, related: Vec<(i64, String)>) -> ArticleForm {
    ArticleForm {
        kind: get(form, "kind").to_string(),
        title: get(form, "title").to_string(),
        slug: get(form, "slug").to_string(),
        summary: get(form, "summary").to_string(),
        body_md: get(form, "body_md").to_string(),
        tags: get(form, "tags").to_string(),
        doc_no: get(form, "doc_no").to_string(),
        published_on: get(form, "published_on").to_string(),
        related,
        note: get(form, "note").to_string(),
    }
}

pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    let page = ArticleFormPage {
        title: "新建文章",
        action: "/admin/articles/new".into(),
        form: ArticleForm {
            kind: ArticleKind::Case.key().into(),
            published_on: iso(state.clock.today()),
            ..ArticleForm::default()
        },
        new: true,
        errors: FieldErrors::default(),
        note_required: false,
        expected: Vec::new(),
        preview: None,
        found: Vec::new(),
        find: String::new(),
    };
    views::form(&staff.ctx(&state, "/admin/articles"), &page).into_response()
}

/// Handles the form's three buttons: search related entries, preview, save.
async fn submit_form(
    state: &AppState,
    staff: &Staff,
    address: &str,
    form: FormData,
    existing: Option<&Article>,
) -> Result<Response, Error> {
    let form: FormData = form
        .into_iter()
        .map(|(k, v)| (k, super::unix_newlines(&v)))
        .collect();
    let new = existing.is_none();
    let step = get(&form, "step").to_string();
    let related_refs: Vec<String> = form
        .iter()
        .filter(|(k, v)| k == "related" && v.starts_with('#'))
        .map(|(_, v)| v.clone())
        .collect();
    let related = related_names(state, &related_refs).await?;
    let find = get(&form, "find").trim().to_string();
    let (title, action) = match existing {
        Some(a) => ("编辑文章", format!("/admin/articles/{}/edit", a.id)),
        None => ("新建文章", "/admin/articles/new".to_string()),
    };
    let kept: Vec<(&'static str, String)> = ["change_id", "change_version", "base_version"]
        .into_iter()
        .filter_map(|k| {
            form.iter()
                .find(|(f, _)| f == k)
                .map(|(_, v)| (k, v.clone()))
        })
        .collect();
    let mut page = ArticleFormPage {
        title,
        action,
        form: raw_form(&form, related),
        new,
        errors: FieldErrors::default(),
        note_required: existing.is_some_and(|a| a.first_published_at.is_some()),
        expected: kept,
        preview: None,
        found: Vec::new(),
        find: find.clone(),
    };
    if step == "preview" {
        page.preview =
            Some(crate::markdown::render_public(&state.store, get(&form, "body_md")).await?);
    }
    if step == "find" || step == "preview" {
        if step == "find" && !find.is_empty() {
            let f = StaffFilter {
                q: Some(crate::domain::normalize::fold(&find)).filter(|q| !q.is_empty()),
                limit: 20,
                ..StaffFilter::default()
            };
            page.found = state.store.staff_entries(&f).await?.1;
        }
        return Ok(views::form(&staff.ctx(state, "/admin/articles"), &page).into_response());
    }
    let data = match check(state, &form, new) {
        Ok(d) => d,
        Err(errors) => {
            page.errors = errors;
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                views::form(&staff.ctx(state, "/admin/articles"), &page),
            )
                .into_response());
        }
    };
    let by = By {
        user: &staff.user,
        address,
    };
    let expected = {
        let map: std::collections::HashMap<String, String> = form.iter().cloned().collect();
        super::entries::expected_of(&map)
    };
    let reload = existing.map_or("/admin/articles".to_string(), |a| {
        format!("/admin/articles/{}", a.id)
    });
    match workflow::save(
        &state.store,
        &state.clock,
        by,
        Draft {
            entity: Entity::Article,
            id: existing.map(|a| a.id),
            proposal: &Proposal::Article(data),
            note: get(&form, "note"),
            expected,
        },
    )
    .await
    {
        Ok((id, _)) => Ok(done(
            state,
            staff,
            "已保存草稿。核对无误后请“提交审核”。",
            &format!("/admin/articles/{id}"),
        )
        .await),
        Err(e) => {
            page.errors = refusal(e, &reload)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                views::form(&staff.ctx(state, "/admin/articles"), &page),
            )
                .into_response())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    submit_form(&state, &staff, &address, form, None).await
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let article = load(&state, &raw).await?;
    show_with(&state, &staff, &article, FieldErrors::default()).await
}

async fn show_with(
    state: &AppState,
    staff: &Staff,
    article: &Article,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let open = state.store.open_change(Entity::Article, article.id).await?;
    let revisions = state.store.revisions(Entity::Article, article.id).await?;
    let attachments = state.store.attachments(article.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ArticlePage {
        body: crate::markdown::render_public(&state.store, &article.data.body_md).await?,
        article,
        open: open.as_ref(),
        revisions: &revisions,
        attachments: &attachments,
        can_review: reviews(staff.user.role),
        errors,
    };
    Ok((
        status,
        views::show(&staff.ctx(state, "/admin/articles"), &page),
    )
        .into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let article = load(&state, &raw).await?;
    let open = state.store.open_change(Entity::Article, article.id).await?;
    if let Some(c) = &open
        && editable(Some(c)).is_none()
    {
        return Err(Error::Conflict(format!(
            "这篇文章有一项修改正在“{}”，暂时不能编辑。",
            workflow::state_of(c).label()
        )));
    }
    let mut data = editable(open.as_ref())
        .and_then(|c| serde_json::from_str::<ArticleData>(&c.data).ok())
        .unwrap_or_else(|| article.data.clone());
    if open.is_none() {
        let links = state.store.article_links(article.id).await?;
        data.related_entries = links.iter().map(|(id, _)| format!("#{id}")).collect();
    }
    let note = editable(open.as_ref())
        .map(|c| c.note.clone())
        .unwrap_or_default();
    let page = ArticleFormPage {
        title: "编辑文章",
        action: format!("/admin/articles/{}/edit", article.id),
        form: form_of(&state, &data, &note).await?,
        new: false,
        errors: FieldErrors::default(),
        note_required: article.first_published_at.is_some(),
        expected: expected_fields(open.as_ref(), Some(article.version)),
        preview: None,
        found: Vec::new(),
        find: String::new(),
    };
    Ok(views::form(&staff.ctx(&state, "/admin/articles"), &page).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let article = load(&state, &raw).await?;
    submit_form(&state, &staff, &address, form, Some(&article)).await
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let article = load(&state, &raw).await?;
    Ok(views::withdraw_confirm(
        &staff.ctx(&state, "/admin/articles"),
        &article,
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
    let article = load(&state, &raw).await?;
    let version = get(&form, "version").parse().unwrap_or(-1);
    let reason = get(&form, "reason").to_string();
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let reload = format!("/admin/articles/{}", article.id);
    match workflow::withdraw(
        &state.store,
        &state.clock,
        by,
        Entity::Article,
        article.id,
        version,
        &reason,
    )
    .await
    {
        Ok(()) => Ok(done(
            &state,
            &staff,
            "已撤回。公开页面现在显示撤回时间和原因。",
            &reload,
        )
        .await),
        Err(e) => {
            let errors = refusal(e, &reload)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                views::withdraw_confirm(
                    &staff.ctx(&state, "/admin/articles"),
                    &article,
                    &reason,
                    &errors,
                ),
            )
                .into_response())
        }
    }
}

/// Receives an attachment: its type decided by its first bytes (PDF or an image), its size
/// limited, stored under the data folder by its SHA-256.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Error> {
    let article = load(&state, &raw).await?;
    let refuse = |message: &str| FieldErrors::one("file", message);
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_SIZE {
                        return show_with(
                            &state,
                            &staff,
                            &article,
                            refuse("附件超过 10 MB，未保存。"),
                        )
                        .await;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => {
                    return show_with(&state, &staff, &article, refuse("上传中断，请重试。")).await;
                }
            }
        }
        file = Some((name, bytes));
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return show_with(&state, &staff, &article, refuse("请选择要上传的文件。")).await;
    };
    let Some((content_type, ext, _)) = sniff(&bytes) else {
        return show_with(
            &state,
            &staff,
            &article,
            refuse("只能上传 PDF 或图片（PNG、JPEG、GIF、WebP）；文件内容与之不符，未保存。"),
        )
        .await;
    };
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = path_of(&state, &sha);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    }
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let file_name = clean_name(&name, ext);
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    tx.insert_attachment(
        &NewAttachment {
            article_id: article.id,
            file_name: &file_name,
            content_type,
            size: bytes.len() as i64,
            sha256: &sha,
            created_by: &staff.user.username,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &Who::user(&staff.user, &address),
        Action::AttachmentAdd,
        &format!("文章 #{}", article.id),
        &file_name,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(done(
        &state,
        &staff,
        &format!("已上传附件“{file_name}”。"),
        &format!("/admin/articles/{}", article.id),
    )
    .await)
}

/// An attachment as staff see it (also of unpublished articles).
pub async fn attachment(
    State(state): State<AppState>,
    _staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    let a = state.store.attachment(id).await?.ok_or(Error::NotFound)?;
    crate::web::attachments::serve(&state, &a).await
}
