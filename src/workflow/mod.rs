//! The publishing workflow: editors propose changes (a new item, an edit, a removal, a
//! restored revision, a spreadsheet upload), a second person reviews them, and only an
//! approved change reaches the public — at once, or at a scheduled China time. The live row of
//! an item changes only when a change is published, so the published version stays online
//! unchanged while an update is in review. Every step is one transaction with its audit row;
//! publishing writes a revision (with its 更新说明) and an outbox item.

pub mod diff;
pub mod slug;

use time::OffsetDateTime;

use crate::clock::Clock;
use crate::domain::article::ArticleData;
use crate::domain::dates::china_date;
use crate::domain::entry::EntryData;
use crate::domain::{Publication, Role};
use crate::import::{Decision, ImportRow, Plan};
use crate::staff::audit::{self, Action, Who};
use crate::staff::settings;
use crate::store::{
    Actor, Change, ChangeFilter, ChangeState, Entity, NewChange, STALE_VERSION, Store, StoreError,
    Transition, Tx, User, change_of, snapshot,
};

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// Input to correct; `field` names the form field.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Someone else changed the item or the change meanwhile: reload and try again.
    #[error("该内容已被他人修改，请重新载入后再操作。")]
    Stale,
    #[error("{0}")]
    NotAllowed(String),
    #[error("内容不存在。")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for WorkflowError {
    fn from(e: StoreError) -> WorkflowError {
        match e {
            StoreError::Conflict { constraint } if constraint == STALE_VERSION => {
                WorkflowError::Stale
            }
            StoreError::NotFound => WorkflowError::NotFound,
            other => WorkflowError::Store(other),
        }
    }
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

fn invalid(field: &'static str, message: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        field,
        message: message.into(),
    }
}

/// Who acts, from where.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub user: &'a User,
    pub address: &'a str,
}

impl By<'_> {
    fn who(&self) -> Who {
        Who::user(self.user, self.address)
    }
}

/// What a form saw when it was opened, so that a save never overwrites someone else's work:
/// the open change and its version, or the live item's version when there was none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Change { id: i64, version: i64 },
    Live { version: i64 },
    New,
}

/// The item a change is about, as lists show it.
pub fn change_title(c: &Change) -> String {
    match Entity::from_key(&c.entity) {
        Some(Entity::Entry) => serde_json::from_str::<EntryData>(&c.data)
            .map(|d| d.name)
            .unwrap_or_default(),
        Some(Entity::Article) => serde_json::from_str::<ArticleData>(&c.data)
            .map(|d| d.title)
            .unwrap_or_default(),
        None => String::new(),
    }
}

pub fn state_of(c: &Change) -> ChangeState {
    ChangeState::from_key(&c.state).unwrap_or(ChangeState::Discarded)
}

/// Refuses a credit code or a name that another entry has.
async fn check_entry_identity(tx: &mut Tx, id: Option<i64>, d: &EntryData) -> Result<()> {
    if let Some(code) = &d.credit_code {
        let owners = tx.entries_by_codes(&[code.to_string()]).await?;
        if let Some(other) = owners.iter().find(|e| Some(e.id) != id) {
            return Err(invalid(
                "credit_code",
                format!(
                    "该统一社会信用代码已属于条目 #{}“{}”，请编辑该条目。",
                    other.id, other.data.name
                ),
            ));
        }
    }
    let same_name = tx.entries_by_name_keys(&[d.name_key()]).await?;
    if let Some(other) = same_name.iter().find(|e| Some(e.id) != id) {
        return Err(invalid(
            "name",
            format!(
                "名称与条目 #{}“{}”相同，请编辑该条目。",
                other.id, other.data.name
            ),
        ));
    }
    Ok(())
}

/// A draft to save: what it proposes, for which item (`None`: a new one), with its change
/// note, and what the form saw.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub entity: Entity,
    pub id: Option<i64>,
    pub proposal: &'a Proposal,
    pub note: &'a str,
    pub expected: Expected,
}

/// Saves a proposed change as a draft: a new item (its live row is a hidden draft until the
/// change is published), or an edit of an item through its open change. An edit of a
/// published item needs a change note (更新说明). Returns the item's and the change's ids.
pub async fn save(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    draft: Draft<'_>,
) -> Result<(i64, i64)> {
    let Draft {
        entity,
        id,
        proposal: data,
        note,
        expected,
    } = draft;
    let now = clock.now();
    let note = note.trim();
    let mut tx = store.begin().await?;
    let (item_id, live) = match (id, &data) {
        (None, Proposal::Entry(d)) => {
            check_entry_identity(&mut tx, None, d).await?;
            let id = tx.insert_entry(d, Publication::Draft, now).await?;
            (id, None)
        }
        (None, Proposal::Article(a)) => {
            if tx.article(&a.slug).await?.is_some() {
                return Err(invalid(
                    "slug",
                    format!("地址名“{}”已被使用，请换一个。", a.slug),
                ));
            }
            let id = tx.insert_article(a, Publication::Draft, now).await?;
            (id, None)
        }
        (Some(id), Proposal::Entry(d)) => {
            let live = tx.entry(id).await?.ok_or(WorkflowError::NotFound)?;
            check_entry_identity(&mut tx, Some(id), d).await?;
            (id, Some((live.version, live.publication)))
        }
        (Some(id), Proposal::Article(a)) => {
            let live = tx.article_by_id(id).await?.ok_or(WorkflowError::NotFound)?;
            if a.slug != live.data.slug {
                return Err(invalid("slug", "已创建的文章不能修改地址名。"));
            }
            (id, Some((live.version, live.publication)))
        }
    };
    if let Some((_, Publication::Published | Publication::Withdrawn)) = live
        && note.is_empty()
    {
        return Err(invalid(
            "note",
            "修改已公开的内容须填写更新说明，公众可以看到。",
        ));
    }
    let json = data.json();
    let open = tx.open_change(entity, item_id).await?;
    let change_id = match (open, expected) {
        (Some(open), Expected::Change { id: cid, version }) if open.id == cid => {
            match state_of(&open) {
                ChangeState::Draft | ChangeState::Rejected => {}
                ChangeState::InReview => {
                    return Err(WorkflowError::NotAllowed(
                        "这项修改正在审核中，不能再编辑。如需修改，请让审核员退回。".into(),
                    ));
                }
                _ => {
                    return Err(WorkflowError::NotAllowed(
                        "这项修改已批准定时发布，不能再编辑。".into(),
                    ));
                }
            }
            tx.update_change(open.id, version, &json, note, now).await?;
            open.id
        }
        (Some(_), _) => return Err(WorkflowError::Stale),
        (None, Expected::Live { version }) if live.is_some_and(|(v, _)| v != version) => {
            return Err(WorkflowError::Stale);
        }
        (None, Expected::Change { .. }) => return Err(WorkflowError::Stale),
        (None, _) => {
            tx.insert_change(
                &NewChange {
                    entity,
                    entity_id: item_id,
                    change_set_id: None,
                    data: &json,
                    base_version: live.map_or(1, |(v, _)| v),
                    note,
                    state: ChangeState::Draft,
                    author_id: Some(by.user.id),
                    author: &by.user.username,
                },
                now,
            )
            .await?
        }
    };
    let action = match (entity, live) {
        (Entity::Entry, None) => Action::EntryCreate,
        (Entity::Entry, Some(_)) => Action::EntryUpdate,
        (Entity::Article, None) => Action::ArticleCreate,
        (Entity::Article, Some(_)) => Action::ArticleUpdate,
    };
    audit::record(
        &mut tx,
        &by.who(),
        action,
        &target(entity, item_id),
        &format!(
            "草稿：{}{}",
            data.title(),
            if note.is_empty() {
                String::new()
            } else {
                format!("（{note}）")
            }
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((item_id, change_id))
}

/// What a change proposes.
#[derive(Debug, Clone)]
pub enum Proposal {
    Entry(EntryData),
    Article(ArticleData),
}

impl Proposal {
    fn json(&self) -> String {
        match self {
            Proposal::Entry(d) => snapshot(d),
            Proposal::Article(a) => snapshot(a),
        }
    }

    fn title(&self) -> &str {
        match self {
            Proposal::Entry(d) => &d.name,
            Proposal::Article(a) => &a.title,
        }
    }

    pub fn of(c: &Change) -> Option<Proposal> {
        match Entity::from_key(&c.entity)? {
            Entity::Entry => serde_json::from_str(&c.data).ok().map(Proposal::Entry),
            Entity::Article => serde_json::from_str(&c.data).ok().map(Proposal::Article),
        }
    }
}

fn target(entity: Entity, id: i64) -> String {
    match entity {
        Entity::Entry => format!("条目 #{id}"),
        Entity::Article => format!("文章 #{id}"),
    }
}

async fn load_change(tx: &mut Tx, id: i64) -> Result<Change> {
    tx.change(id).await?.ok_or(WorkflowError::NotFound)
}

/// Sends a draft (or a returned change) to review.
pub async fn submit(store: &Store, clock: &Clock, by: By<'_>, id: i64, version: i64) -> Result<()> {
    let now = clock.now();
    let mut tx = store.begin().await?;
    let c = load_change(&mut tx, id).await?;
    tx.transition_change(
        id,
        version,
        &[ChangeState::Draft, ChangeState::Rejected],
        &Transition {
            to: ChangeState::InReview,
            reviewer: None,
            comment: None,
            publish_at: None,
        },
        now,
    )
    .await?;
    let entity = Entity::from_key(&c.entity).ok_or(WorkflowError::NotFound)?;
    audit::record(
        &mut tx,
        &by.who(),
        Action::Submit,
        &target(entity, c.entity_id),
        &change_title(&c),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives up a draft (its author, or a reviewer).
pub async fn discard(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    id: i64,
    version: i64,
) -> Result<()> {
    let now = clock.now();
    let mut tx = store.begin().await?;
    let c = load_change(&mut tx, id).await?;
    if c.author_id != Some(by.user.id) && !by.user.role.allows(Role::Reviewer) {
        return Err(WorkflowError::NotAllowed(
            "只有作者或审核员可以放弃这项修改。".into(),
        ));
    }
    tx.transition_change(
        id,
        version,
        &[ChangeState::Draft, ChangeState::Rejected],
        &Transition {
            to: ChangeState::Discarded,
            reviewer: None,
            comment: None,
            publish_at: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a reviewer's own change unless the office allows it; returns whether it is theirs.
async fn check_reviewer(store: &Store, by: By<'_>, c: &Change) -> Result<bool> {
    if !by.user.role.allows(Role::Reviewer) {
        return Err(WorkflowError::NotAllowed("只有审核员可以审核。".into()));
    }
    let own = c.author_id == Some(by.user.id);
    if own && !settings::load(store).await?.allow_self_approval {
        return Err(WorkflowError::NotAllowed(
            "不能审核本人提交的内容，请由另一位审核员审核。".into(),
        ));
    }
    Ok(own)
}

/// Approves a change in review: published now, or scheduled for `publish_at` (a future
/// instant). A change based on a version that is no longer live is refused (stale).
pub async fn approve(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    id: i64,
    version: i64,
    publish_at: Option<OffsetDateTime>,
) -> Result<()> {
    let now = clock.now();
    let c = store.change(id).await?.ok_or(WorkflowError::NotFound)?;
    let own = check_reviewer(store, by, &c).await?;
    let mut tx = store.begin().await?;
    let entity = Entity::from_key(&c.entity).ok_or(WorkflowError::NotFound)?;
    let approval = if own {
        Action::ApproveOwn
    } else {
        Action::Approve
    };
    let scheduled = publish_at.filter(|at| *at > now);
    let version = tx
        .transition_change(
            id,
            version,
            &[ChangeState::InReview],
            &Transition {
                to: if scheduled.is_some() {
                    ChangeState::Scheduled
                } else {
                    ChangeState::Published
                },
                reviewer: Some((by.user.id, &by.user.username)),
                comment: None,
                publish_at: scheduled,
            },
            now,
        )
        .await?;
    let summary = if own {
        format!("{}（审核本人提交的内容，系统设置允许）", change_title(&c))
    } else {
        change_title(&c)
    };
    audit::record(
        &mut tx,
        &by.who(),
        approval,
        &target(entity, c.entity_id),
        &summary,
        now,
    )
    .await?;
    match scheduled {
        Some(at) => {
            let when = crate::domain::dates::china_minute(at);
            audit::record(
                &mut tx,
                &by.who(),
                Action::Schedule,
                &target(entity, c.entity_id),
                &format!("将于 {when}（北京时间）发布"),
                now,
            )
            .await?;
        }
        None => {
            let c = Change { version, ..c };
            apply(&mut tx, &c, &by.user.username, &by.who(), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Sends a change in review back to its author, with a comment.
pub async fn reject(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    id: i64,
    version: i64,
    comment: &str,
) -> Result<()> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(invalid("comment", "退回时请写明需要修改的地方。"));
    }
    let now = clock.now();
    let c = store.change(id).await?.ok_or(WorkflowError::NotFound)?;
    if !by.user.role.allows(Role::Reviewer) {
        return Err(WorkflowError::NotAllowed("只有审核员可以退回。".into()));
    }
    let mut tx = store.begin().await?;
    tx.transition_change(
        id,
        version,
        &[ChangeState::InReview, ChangeState::Scheduled],
        &Transition {
            to: ChangeState::Rejected,
            reviewer: Some((by.user.id, &by.user.username)),
            comment: Some(comment),
            publish_at: None,
        },
        now,
    )
    .await?;
    let entity = Entity::from_key(&c.entity).ok_or(WorkflowError::NotFound)?;
    audit::record(
        &mut tx,
        &by.who(),
        Action::Reject,
        &target(entity, c.entity_id),
        &format!("{}：{comment}", change_title(&c)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes an approved change to its live item: the proposed content, published, with a
/// revision (its change note for the public history) and an outbox item. The item must still
/// be at the version the change was based on.
async fn apply(
    tx: &mut Tx,
    c: &Change,
    reviewer: &str,
    who: &Who,
    now: OffsetDateTime,
) -> Result<()> {
    let proposal = Proposal::of(c).ok_or(WorkflowError::NotFound)?;
    let actor = Actor {
        name: format!("{}（审核：{reviewer}）", c.author),
        note: if c.note.is_empty() {
            "首次发布".to_string()
        } else {
            c.note.clone()
        },
    };
    let (entity, title) = match &proposal {
        Proposal::Entry(d) => {
            let live = tx
                .entry(c.entity_id)
                .await?
                .ok_or(WorkflowError::NotFound)?;
            if live.version != c.base_version {
                return Err(WorkflowError::Stale);
            }
            let mut fields = live.data.changed_fields(d);
            if live.publication != Publication::Published {
                fields.push("发布状态");
            }
            tx.update_entry(live.id, live.version, d, Publication::Published, now)
                .await?;
            let first = live.published_at.is_none();
            let previous = (!first).then(|| snapshot(&live.data));
            let fields = if first { Vec::new() } else { fields };
            let event = change_of(
                Some((live.publication, &live.data)),
                (Publication::Published, d),
                china_date(now),
            );
            tx.insert_revision(
                Entity::Entry,
                live.id,
                previous.as_deref(),
                &snapshot(d),
                &fields,
                &actor,
                now,
                event,
            )
            .await?;
            tx.enqueue(Entity::Entry, live.id, now).await?;
            (Entity::Entry, d.name.clone())
        }
        Proposal::Article(a) => {
            let live = tx
                .article_by_id(c.entity_id)
                .await?
                .ok_or(WorkflowError::NotFound)?;
            if live.version != c.base_version {
                return Err(WorkflowError::Stale);
            }
            let first = live.first_published_at.is_none();
            let mut fields = crate::content::article_changes(&live.data, a);
            if live.publication != Publication::Published {
                fields.push("发布状态");
            }
            tx.update_article(live.id, live.version, a, Publication::Published, now)
                .await?;
            let previous = (!first).then(|| snapshot(&live.data));
            let fields = if first { Vec::new() } else { fields };
            tx.insert_revision(
                Entity::Article,
                live.id,
                previous.as_deref(),
                &snapshot(a),
                &fields,
                &actor,
                now,
                None,
            )
            .await?;
            tx.enqueue(Entity::Article, live.id, now).await?;
            (Entity::Article, a.title.clone())
        }
    };
    audit::record(
        tx,
        who,
        Action::Publish,
        &target(entity, c.entity_id),
        &title,
        now,
    )
    .await?;
    Ok(())
}

/// Publishes every scheduled change that is due. Each is claimed by moving it to published
/// in the same transaction that applies it, so across instances each is published once; a
/// change whose item moved on meanwhile is sent back to its author instead.
pub async fn publish_due(store: &Store, clock: &Clock) -> Result<usize> {
    let now = clock.now();
    let due = store
        .changes(&ChangeFilter {
            states: vec![ChangeState::Scheduled],
            due_by: Some(now),
            limit: 100,
            ..ChangeFilter::default()
        })
        .await?;
    let who = Who {
        name: "定时发布".into(),
        user_id: None,
        address: "本机".into(),
    };
    let mut published = 0;
    for c in due {
        let mut tx = store.begin().await?;
        let claimed = tx
            .transition_change(
                c.id,
                c.version,
                &[ChangeState::Scheduled],
                &Transition {
                    to: ChangeState::Published,
                    reviewer: None,
                    comment: None,
                    publish_at: None,
                },
                now,
            )
            .await;
        match claimed {
            Ok(_) => {}
            // Another instance took it.
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
        let reviewer = c.reviewer.clone().unwrap_or_default();
        match apply(&mut tx, &c, &reviewer, &who, now).await {
            Ok(()) => {
                tx.commit().await?;
                published += 1;
            }
            Err(WorkflowError::Stale) => {
                drop(tx);
                let mut tx = store.begin().await?;
                tx.transition_change(
                    c.id,
                    c.version,
                    &[ChangeState::Scheduled],
                    &Transition {
                        to: ChangeState::Rejected,
                        reviewer: None,
                        comment: Some(
                            "定时发布时内容已被他人修改，未发布。请在最新内容上重新修改后提交。",
                        ),
                        publish_at: None,
                    },
                    now,
                )
                .await?;
                tx.commit().await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(published)
}

/// Withdraws a published item (撤回) with a reason: an entry answers 410 without its name, an
/// article keeps a page saying it was withdrawn, when and why.
pub async fn withdraw(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    entity: Entity,
    id: i64,
    version: i64,
    reason: &str,
) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "撤回须写明原因，公众可以看到。"));
    }
    if !by.user.role.allows(Role::Reviewer) {
        return Err(WorkflowError::NotAllowed("只有审核员可以撤回。".into()));
    }
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.withdraw(entity, id, version, reason, now).await?;
    let (previous, title, event) = match entity {
        Entity::Entry => {
            let e = tx.entry(id).await?.ok_or(WorkflowError::NotFound)?;
            let event = change_of(
                Some((Publication::Published, &e.data)),
                (Publication::Withdrawn, &e.data),
                china_date(now),
            );
            (snapshot(&e.data), e.data.name, event)
        }
        Entity::Article => {
            let a = tx.article_by_id(id).await?.ok_or(WorkflowError::NotFound)?;
            (snapshot(&a.data), a.data.title, None)
        }
    };
    let actor = Actor {
        name: by.user.username.clone(),
        note: format!("撤回：{reason}"),
    };
    tx.insert_revision(
        entity,
        id,
        Some(&previous),
        &previous,
        &["发布状态"],
        &actor,
        now,
        event,
    )
    .await?;
    tx.enqueue(entity, id, now).await?;
    audit::record(
        &mut tx,
        &by.who(),
        Action::Withdraw,
        &target(entity, id),
        &format!("{title}：{reason}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns a confirmed upload into one change set in review: a hidden draft entry and a change
/// for every new row, a change for every changed row; unchanged rows change nothing. One
/// transaction: all or nothing.
pub async fn create_change_set(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    file_name: &str,
    rows: &[ImportRow],
) -> Result<i64> {
    let now = clock.now();
    let mut tx = store.begin().await?;
    // Planned again inside this transaction: the preview may be minutes old.
    let plan: Plan = crate::import::plan(&mut tx, rows, None).await?;
    if let Some(p) = plan.errors.first() {
        return Err(invalid("file", format!("数据已变化，请重新上传预览：{p}")));
    }
    let (mut new, mut changed, mut unchanged) = (0, 0, 0);
    for d in plan.decisions.iter().flatten() {
        match d {
            Decision::New => new += 1,
            Decision::Changed { .. } => changed += 1,
            Decision::Unchanged { .. } => unchanged += 1,
        }
    }
    if new + changed == 0 {
        return Err(invalid(
            "file",
            "文件中的条目与现有内容完全一致，没有需要审核的修改。",
        ));
    }
    let summary = format!("新增 {new} 条，修改 {changed} 条，未变化 {unchanged} 条");
    let set = tx
        .insert_change_set(
            file_name,
            Some(by.user.id),
            &by.user.username,
            &summary,
            now,
        )
        .await?;
    for (row, decision) in rows.iter().zip(&plan.decisions) {
        let (entity_id, base_version) = match decision {
            Some(Decision::New) => (
                tx.insert_entry(&row.data, Publication::Draft, now).await?,
                1,
            ),
            Some(Decision::Changed { id, version, .. }) => {
                if tx.open_change(Entity::Entry, *id).await?.is_some() {
                    return Err(invalid(
                        "file",
                        format!(
                            "第{}行：条目 #{id} 还有尚未完成审核的修改，请先处理后再上传。",
                            row.row
                        ),
                    ));
                }
                (*id, *version)
            }
            _ => continue,
        };
        tx.insert_change(
            &NewChange {
                entity: Entity::Entry,
                entity_id,
                change_set_id: Some(set),
                data: &snapshot(&row.data),
                base_version,
                note: &format!("表格导入：{file_name}"),
                state: ChangeState::InReview,
                author_id: Some(by.user.id),
                author: &by.user.username,
            },
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &by.who(),
        Action::ImportEntries,
        &format!("变更集 #{set}"),
        &format!("{file_name}：{summary}，已提交审核"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(set)
}

/// Approves (publishing every change now, in one transaction) or rejects a whole change set.
pub async fn review_change_set(
    store: &Store,
    clock: &Clock,
    by: By<'_>,
    set: i64,
    approve_it: bool,
    comment: &str,
) -> Result<usize> {
    let now = clock.now();
    let changes = store
        .changes(&ChangeFilter {
            change_set_id: Some(set),
            states: vec![ChangeState::InReview],
            limit: 1_000_000,
            ..ChangeFilter::default()
        })
        .await?;
    let Some(first) = changes.first() else {
        return Err(WorkflowError::NotAllowed(
            "这个变更集没有待审核的修改。".into(),
        ));
    };
    let own = check_reviewer(store, by, first).await?;
    if !approve_it && comment.trim().is_empty() {
        return Err(invalid("comment", "退回时请写明需要修改的地方。"));
    }
    let mut tx = store.begin().await?;
    for c in &changes {
        let version = tx
            .transition_change(
                c.id,
                c.version,
                &[ChangeState::InReview],
                &Transition {
                    to: if approve_it {
                        ChangeState::Published
                    } else {
                        ChangeState::Rejected
                    },
                    reviewer: Some((by.user.id, &by.user.username)),
                    comment: (!approve_it).then_some(comment.trim()),
                    publish_at: None,
                },
                now,
            )
            .await?;
        if approve_it {
            let c = Change {
                version,
                ..c.clone()
            };
            apply(&mut tx, &c, &by.user.username, &by.who(), now).await?;
        }
    }
    let action = match (approve_it, own) {
        (true, true) => Action::ApproveOwn,
        (true, false) => Action::Approve,
        (false, _) => Action::Reject,
    };
    audit::record(
        &mut tx,
        &by.who(),
        action,
        &format!("变更集 #{set}"),
        &format!(
            "{} 项修改{}",
            changes.len(),
            if approve_it { "已发布" } else { "已退回" }
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(changes.len())
}
