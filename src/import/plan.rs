//! Import identity: which existing entry each valid row updates, decided against the database
//! inside the caller's transaction, so that an import never erases or duplicates.
//!
//! A row names its entry by `id` (to correct a code or a name), else by credit code, else by
//! name (the one fold: width, case, punctuation, traditional → simplified). A row never takes
//! over an entry that has another credit code, and a row without a code never matches (and
//! wipes the code of) an entry that has one: those are errors naming both, and the whole file
//! is refused.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::Problem;
use super::rows::ImportRow;
use crate::domain::Publication;
use crate::domain::dates::china_date;
use crate::domain::entry::{EntryData, Field};
use crate::store::{Actor, Derived, Entity, Entry, FirstRevision, Result, Tx, change_of, snapshot};

/// What importing a row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    New,
    /// Updates entry `id` (read at `version`); the labels of the changed fields.
    Changed {
        id: i64,
        version: i64,
        fields: Vec<&'static str>,
    },
    Unchanged {
        id: i64,
    },
}

/// The decision for every row (in row order; `None` for a row with a problem), and the
/// problems that refuse the file.
#[derive(Debug, Default)]
pub struct Plan {
    pub decisions: Vec<Option<Decision>>,
    pub errors: Vec<Problem>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The id of each row's entry, in row order.
    pub ids: Vec<i64>,
}

/// Rows planned per round of lookups.
pub const BATCH: usize = 500;

fn problem(row: &ImportRow, field: Option<Field>, message: String) -> Problem {
    Problem {
        row: row.row,
        column: field.map(|f| f.label().to_string()),
        message,
    }
}

fn no_such_entry(row: &ImportRow, id: i64) -> Problem {
    problem(
        row,
        None,
        format!("编号 {id} 没有对应的条目（编号列只用于更正已有条目）"),
    )
}

fn describe(e: &Entry) -> String {
    match &e.data.credit_code {
        Some(code) => format!("条目 #{}“{}”（统一社会信用代码 {code}）", e.id, e.data.name),
        None => format!("条目 #{}“{}”（无统一社会信用代码）", e.id, e.data.name),
    }
}

/// Decides, for every row, which entry it updates (or that it is new); a publication change
/// (`publication`) counts as a change.
pub async fn plan(
    tx: &mut Tx,
    rows: &[ImportRow],
    publication: Option<Publication>,
) -> Result<Plan> {
    let mut planner = Planner::new(publication);
    let mut plan = Plan::default();
    for chunk in rows.chunks(BATCH) {
        planner.batch(tx, chunk, &mut plan).await?;
    }
    Ok(plan)
}

/// Plans rows a batch at a time, remembering across batches which row took which entry, so
/// that two rows never update one entry. A batch is planned against what the transaction
/// holds, earlier batches' writes included.
pub struct Planner {
    publication: Option<Publication>,
    taken: HashMap<i64, usize>,
}

impl Planner {
    pub fn new(publication: Option<Publication>) -> Planner {
        Planner {
            publication,
            taken: HashMap::new(),
        }
    }

    /// Appends the decisions for `chunk` (at most a few thousand rows) to `plan`.
    pub async fn batch(&mut self, tx: &mut Tx, chunk: &[ImportRow], plan: &mut Plan) -> Result<()> {
        if tx.is_bulk_load() {
            // The list was empty, and rows naming one entry twice are refused as they are
            // read: every row is new (its lookups would read the unindexed entries).
            for row in chunk {
                plan.decisions.push(match row.id {
                    Some(id) => {
                        plan.errors.push(no_such_entry(row, id));
                        None
                    }
                    None => Some(Decision::New),
                });
            }
            return Ok(());
        }
        let publication = self.publication;
        let taken = &mut self.taken;
        let ids: Vec<i64> = chunk.iter().filter_map(|r| r.id).collect();
        let codes: Vec<String> = chunk
            .iter()
            .filter_map(|r| r.data.credit_code.as_ref().map(|c| c.to_string()))
            .collect();
        let keys: Vec<String> = chunk
            .iter()
            .map(|r| r.derived.name_key().to_string())
            .collect();
        let by_id: HashMap<i64, Entry> = tx
            .entries_by_ids(&ids)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let by_code: HashMap<String, Entry> = tx
            .entries_by_codes(&codes)
            .await?
            .into_iter()
            .filter_map(|e| Some((e.data.credit_code.as_ref()?.to_string(), e)))
            .collect();
        let mut by_name: HashMap<String, Vec<Entry>> = HashMap::new();
        for e in tx.entries_by_name_keys(&keys).await? {
            by_name.entry(e.keys[0].clone()).or_default().push(e);
        }
        for row in chunk {
            let d = &row.data;
            let code = d.credit_code.as_ref().map(|c| c.to_string());
            let same_name: &[Entry] = by_name
                .get(row.derived.name_key())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let found: std::result::Result<Option<&Entry>, Problem> = match row.id {
                Some(id) => match by_id.get(&id) {
                    None => Err(no_such_entry(row, id)),
                    Some(target) => {
                        let code_owner = code.as_ref().and_then(|c| by_code.get(c));
                        let name_owner = same_name.iter().find(|e| e.id != id);
                        match (code_owner.filter(|o| o.id != id), name_owner) {
                            (Some(other), _) => Err(problem(
                                row,
                                Some(Field::CreditCode),
                                format!("该代码已属于{}，不能再用于条目 #{id}", describe(other)),
                            )),
                            (None, Some(other)) => Err(problem(
                                row,
                                Some(Field::Name),
                                format!("该名称已属于{}，不能再用于条目 #{id}", describe(other)),
                            )),
                            (None, None) => Ok(Some(target)),
                        }
                    }
                },
                None => match (&code, code.as_ref().and_then(|c| by_code.get(c))) {
                    (Some(_), Some(owner)) => Ok(Some(owner)),
                    (Some(c), None) => {
                        match same_name.iter().find(|e| e.data.credit_code.is_some()) {
                            Some(other) => Err(problem(
                                row,
                                Some(Field::CreditCode),
                                format!(
                                    "名称与{}相同，但本行代码为 {c}：如为同一主体需更正代码，请在“编号”列填写 {}；如为不同主体，请核对名称",
                                    describe(other),
                                    other.id
                                ),
                            )),
                            None => Ok(same_name.first()),
                        }
                    }
                    (None, _) => match same_name.iter().find(|e| e.data.credit_code.is_some()) {
                        Some(other) => Err(problem(
                            row,
                            Some(Field::CreditCode),
                            format!(
                                "本行未填写统一社会信用代码，但同名的{}已有代码：请填写代码，或在“编号”列填写 {} 后再导入",
                                describe(other),
                                other.id
                            ),
                        )),
                        None => Ok(same_name.first()),
                    },
                },
            };
            let decision = match found {
                Err(p) => {
                    plan.errors.push(p);
                    None
                }
                Ok(None) => Some(Decision::New),
                Ok(Some(existing)) => match taken.insert(existing.id, row.row) {
                    Some(first) => {
                        plan.errors.push(problem(
                            row,
                            None,
                            format!("与第{first}行指向同一条目 #{}", existing.id),
                        ));
                        None
                    }
                    None => {
                        let mut fields = existing.data.changed_fields(d);
                        if publication.is_some_and(|p| p != existing.publication) {
                            fields.push("发布状态");
                        }
                        Some(if fields.is_empty() {
                            Decision::Unchanged { id: existing.id }
                        } else {
                            Decision::Changed {
                                id: existing.id,
                                version: existing.version,
                                fields,
                            }
                        })
                    }
                },
            };
            plan.decisions.push(decision);
        }
        Ok(())
    }
}

/// Writes a plan without errors (rows with a problem are skipped; callers refuse such plans):
/// new entries (drafts unless `publication` says otherwise),
/// changes with a revision each, and an outbox item for every written entry. The caller
/// commits. A row whose entry changed since the plan fails the whole import with a conflict.
pub async fn apply(
    tx: &mut Tx,
    rows: &[ImportRow],
    plan: &Plan,
    publication: Option<Publication>,
    actor: &Actor,
    now: OffsetDateTime,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    for (chunk, decisions) in rows.chunks(BATCH).zip(plan.decisions.chunks(BATCH)) {
        apply_batch(tx, chunk, decisions, publication, actor, now, &mut outcome).await?;
        progress(outcome.created + outcome.updated + outcome.unchanged);
    }
    Ok(outcome)
}

/// Writes one batch of [`apply`], adding to `outcome`.
pub async fn apply_batch(
    tx: &mut Tx,
    chunk: &[ImportRow],
    decisions: &[Option<Decision>],
    publication: Option<Publication>,
    actor: &Actor,
    now: OffsetDateTime,
    outcome: &mut Outcome,
) -> Result<()> {
    let state = publication.unwrap_or(Publication::Draft);
    {
        // New entries of the batch first, many rows per statement, with their first
        // revisions and outbox items.
        let new: Vec<&ImportRow> = chunk
            .iter()
            .zip(decisions)
            .filter(|(_, d)| matches!(d, Some(Decision::New)))
            .map(|(r, _)| r)
            .collect();
        let data: Vec<(&EntryData, &Derived)> = new.iter().map(|r| (&r.data, &r.derived)).collect();
        let new_ids = tx.insert_entries(&data, state, now).await?;
        // A published entry's first revision records no snapshot (a third of what a large
        // import writes): until the entry changes, its content is the entry itself, and every
        // revision after a first publication records the content before it as `previous`
        // (see `web::admin::history::snapshots`). Publishing a draft records no `previous`,
        // so a draft's first revision keeps its snapshot.
        let keep_snapshot = state != Publication::Published;
        let first: Vec<FirstRevision> = new_ids
            .iter()
            .zip(&new)
            .map(|(id, r)| {
                let event = change_of(None, (state, &r.data), china_date(now));
                let data = keep_snapshot.then(|| r.derived.snapshot().clone());
                (*id, data, event)
            })
            .collect();
        tx.insert_first_revisions(Entity::Entry, &first, actor, now)
            .await?;
        tx.enqueue_many(Entity::Entry, &new_ids, now).await?;
        let mut new_ids = new_ids.into_iter();
        let changed: Vec<i64> = decisions
            .iter()
            .filter_map(|d| match d {
                Some(Decision::Changed { id, .. }) => Some(*id),
                _ => None,
            })
            .collect();
        let current: HashMap<i64, Entry> = tx
            .entries_by_ids(&changed)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        for (row, decision) in chunk.iter().zip(decisions) {
            let Some(decision) = decision else { continue };
            match decision {
                Decision::New => {
                    outcome.created += 1;
                    outcome.ids.extend(new_ids.next());
                }
                Decision::Changed {
                    id,
                    version,
                    fields,
                } => {
                    let old = current.get(id);
                    let state = publication
                        .or(old.map(|o| o.publication))
                        .unwrap_or(Publication::Draft);
                    tx.update_entry(*id, *version, &row.data, state, now)
                        .await?;
                    let previous = old.map(|o| snapshot(&o.data));
                    let event = change_of(
                        old.map(|o| (o.publication, &o.data)),
                        (state, &row.data),
                        china_date(now),
                    );
                    tx.insert_revision(
                        Entity::Entry,
                        *id,
                        previous.as_deref(),
                        &row.derived.snapshot()[..],
                        fields,
                        actor,
                        now,
                        event,
                    )
                    .await?;
                    tx.enqueue(Entity::Entry, *id, now).await?;
                    outcome.updated += 1;
                    outcome.ids.push(*id);
                }
                Decision::Unchanged { id } => {
                    outcome.unchanged += 1;
                    outcome.ids.push(*id);
                }
            }
        }
    }
    Ok(())
}
