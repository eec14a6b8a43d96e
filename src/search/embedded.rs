//! The embedded backend: a tantivy index in the data folder. It indexes the tokens of
//! `analysis` with a whitespace tokenizer, so tantivy only does what it is best at
//! (inverted lists, BM25, top-k) and Chinese analysis stays shared with Meilisearch.
//! The index is a rebuildable cache of the database and only ever proposes ids.

use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::SearchError;
use super::document::{DocKind, IndexDoc, doc_key};
use super::query::Retrieval;

/// Entries and articles have token fields of their own, so that a query is a plain
/// disjunction over one field.
struct Fields {
    key: Field,
    entry_tokens: Field,
    article_tokens: Field,
}

const ID: &str = "id";
const KIND: &str = "kind";
const ENDS_DAY: &str = "ends_day";

pub struct Embedded {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    ends_day: Field,
}

const TOKENIZER: &str = "ws";
/// Bumped whenever the documents change meaning; an index of another format is rebuilt.
const FORMAT: &str = "jingshi-index-format-4";
/// Memory for the writer's in-RAM segments.
const WRITER_HEAP: usize = 128 * 1024 * 1024;

fn schema() -> (Schema, Fields, Field) {
    let mut b = Schema::builder();
    let key = b.add_text_field("key", STRING | STORED);
    b.add_u64_field(ID, FAST);
    b.add_u64_field(KIND, FAST);
    let ends_day = b.add_i64_field(ENDS_DAY, FAST | INDEXED);
    let tokens = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let entry_tokens = b.add_text_field("entry_tokens", tokens());
    let article_tokens = b.add_text_field("article_tokens", tokens());
    (
        b.build(),
        Fields {
            key,
            entry_tokens,
            article_tokens,
        },
        ends_day,
    )
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Backend(e.to_string())
}

fn kind_code(kind: DocKind) -> u64 {
    match kind {
        DocKind::Entry => 0,
        DocKind::Article => 1,
    }
}

impl Embedded {
    /// Opens the index in `dir`, creating it when missing. An index written by an older schema
    /// is discarded (it is only a cache); `empty` tells the caller to refill it.
    pub fn open(dir: &Path) -> Result<(Embedded, bool), SearchError> {
        std::fs::create_dir_all(dir).map_err(err)?;
        let (schema, fields, ends_day) = schema();
        let marker = dir.join(FORMAT);
        let (index, fresh) = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema && marker.exists() => (index, false),
            Ok(_) | Err(_) => {
                for entry in std::fs::read_dir(dir).map_err(err)? {
                    let path = entry.map_err(err)?.path();
                    if path.is_file() {
                        std::fs::remove_file(&path).map_err(err)?;
                    }
                }
                let index = Index::create_in_dir(dir, schema).map_err(err)?;
                std::fs::write(&marker, b"").map_err(err)?;
                (index, true)
            }
        };
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let writer = index.writer(WRITER_HEAP).map_err(|e| {
            SearchError::Backend(format!(
                "cannot open the search index for writing (is another jingshi using {}?): {e}",
                dir.display()
            ))
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        let empty = fresh || reader.searcher().num_docs() == 0;
        Ok((
            Embedded {
                reader,
                writer: Mutex::new(writer),
                fields,
                ends_day,
            },
            empty,
        ))
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Adds or replaces documents and deletes keys, then commits and makes them visible.
    pub fn apply(&self, upserts: &[IndexDoc], deletes: &[String]) -> Result<(), SearchError> {
        {
            let writer = self.writer.lock().map_err(err)?;
            for key in deletes {
                writer.delete_term(Term::from_field_text(self.fields.key, key));
            }
        }
        self.add(upserts, true)?;
        self.commit()
    }

    /// Adds documents without committing (see [`Embedded::commit`]); with `replace`, any
    /// document with the same key goes. A rebuild, which starts empty, does not replace: a
    /// delete per document would queue a million deletes for every segment flush.
    pub fn add(&self, upserts: &[IndexDoc], replace: bool) -> Result<(), SearchError> {
        let writer = self.writer.lock().map_err(err)?;
        let f = &self.fields;
        let schema = self.reader.searcher().schema().clone();
        let id = schema.get_field(ID).map_err(err)?;
        let kind = schema.get_field(KIND).map_err(err)?;
        for d in upserts {
            if replace {
                writer.delete_term(Term::from_field_text(f.key, &d.key));
            }
            let mut doc = TantivyDocument::default();
            doc.add_text(f.key, &d.key);
            doc.add_u64(id, d.id as u64);
            doc.add_u64(kind, kind_code(d.kind));
            doc.add_i64(self.ends_day, d.ends_day);
            let field = match d.kind {
                DocKind::Entry => f.entry_tokens,
                DocKind::Article => f.article_tokens,
            };
            doc.add_text(field, d.tokens.join(" "));
            writer.add_document(doc).map_err(err)?;
        }
        Ok(())
    }

    /// Makes what was added visible to searches.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer.lock().map_err(err)?.commit().map_err(err)?;
        self.reader.reload().map_err(err)
    }

    /// Starts a rebuild: drops every document, visible to searches only at the next commit,
    /// so that searches keep the old index until the new one is complete. Segments are not
    /// merged while the rebuild writes (merging them as they appear rewrote every document
    /// several times over: 40 % of a million-entry rebuild); [`Embedded::finish_rebuild`]
    /// merges them once.
    ///
    /// The documents go by a delete of everything, queued in order like any other operation.
    /// Tantivy's `delete_all_documents` winds the operation counter back to the last commit,
    /// so the deletes queued by earlier replacements were later applied to the wrong
    /// documents: a withdrawal after a rebuild left the withdrawn entry in the index and took
    /// others out (test `a_rebuild_then_a_delete_removes_exactly_that_document`).
    pub fn clear_uncommitted(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().map_err(err)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        writer.delete_query(Box::new(AllQuery)).map_err(err)?;
        Ok(())
    }

    /// Commits a rebuild, merges its segments into one and makes it visible.
    pub fn finish_rebuild(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(err)?;
        writer.commit().map_err(err)?;
        // Merging is allowed again only once this merge is done: a background merge started
        // by the commit would take segments from under it.
        let segments = writer.index().searchable_segment_ids().map_err(err)?;
        if segments.len() > 1 {
            writer.merge(&segments).wait().map_err(err)?;
        }
        writer.set_merge_policy(Box::<LogMergePolicy>::default());
        drop(writer);
        self.reader.reload().map_err(err)
    }

    /// Abandons what was added since the last commit (a failed rebuild).
    pub fn rollback(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(err)?;
        writer.set_merge_policy(Box::<LogMergePolicy>::default());
        writer.rollback().map_err(err)?;
        Ok(())
    }

    /// Deletes every document whose publicity ended before `today` (a day number).
    pub fn delete_ended(&self, today: i64) -> Result<(), SearchError> {
        let query = RangeQuery::new(
            std::ops::Bound::Unbounded,
            std::ops::Bound::Excluded(Term::from_field_i64(self.ends_day, today)),
        );
        self.writer
            .lock()
            .map_err(err)?
            .delete_query(Box::new(query))
            .map_err(err)?;
        self.commit()
    }

    /// The ids of every document of `kind` in the index (for the sweep).
    pub fn ids(&self, kind: DocKind) -> Result<Vec<i64>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let ids = segment.fast_fields().u64(ID).map_err(err)?;
            let kinds = segment.fast_fields().u64(KIND).map_err(err)?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                if kinds.first(doc) == Some(kind_code(kind))
                    && let Some(id) = ids.first(doc)
                {
                    out.push(id as i64);
                }
            }
        }
        Ok(out)
    }

    /// Deletes documents by id, then commits.
    pub fn delete_ids(&self, kind: DocKind, ids: &[i64]) -> Result<(), SearchError> {
        let keys: Vec<String> = ids.iter().map(|id| doc_key(kind, *id)).collect();
        self.apply(&[], &keys)
    }

    /// Up to `limit` ids of documents of `kind` that `wanted` retrieves, best BM25 first,
    /// among those whose publicity lasts at least until `today` (the filter applies before
    /// the cut, so years of ended entries never crowd current ones out), and whether the cut
    /// dropped some.
    pub fn candidates(
        &self,
        kind: DocKind,
        wanted: &Retrieval,
        today: i64,
        limit: usize,
    ) -> Result<(Vec<i64>, bool), SearchError> {
        let f = &self.fields;
        let field = match kind {
            DocKind::Entry => f.entry_tokens,
            DocKind::Article => f.article_tokens,
        };
        let searcher = self.reader.searcher();
        let term = |t: &String| Term::from_field_text(field, t);
        let query = if wanted.needs_all() {
            BooleanQuery::intersection(wanted.parts.iter().map(|t| term_query(term(t))).collect())
        } else {
            let (any, parts, need) = telling(&searcher, wanted, term)?;
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = any
                .into_iter()
                .map(|t| (Occur::Should, term_query(t)))
                .collect();
            if !parts.is_empty() {
                let parts: Vec<(Occur, Box<dyn Query>)> = parts
                    .into_iter()
                    .map(|t| (Occur::Should, term_query(t)))
                    .collect();
                let need = need.min(parts.len());
                clauses.push((
                    Occur::Should,
                    Box::new(BooleanQuery::with_minimum_required_clauses(parts, need)),
                ));
            }
            BooleanQuery::new(clauses)
        };
        // One more than asked for tells whether there were more.
        let collector = FilterCollector::new(
            ENDS_DAY.to_string(),
            move |end: i64| end >= today,
            TopDocs::with_limit(limit + 1).order_by_score(),
        );
        let mut top: Vec<(f32, DocAddress)> = searcher.search(&query, &collector).map_err(err)?;
        let capped = top.len() > limit;
        top.truncate(limit);
        // The id column is opened once per segment: opening it per hit took a third of a
        // lookup's time at a million entries.
        let mut columns = vec![None; searcher.segment_readers().len()];
        let mut out = Vec::with_capacity(top.len());
        for (_, address) in top {
            let ids = match &mut columns[address.segment_ord as usize] {
                Some(ids) => ids,
                slot => slot.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64(ID)
                        .map_err(err)?,
                ),
            };
            if let Some(id) = ids.first(address.doc_id) {
                out.push(id as i64);
            }
        }
        Ok((out, capped))
    }
}

/// A token in more documents than this share of the index (and than [`COMMON_AT_LEAST`])
/// tells nothing about which entry is meant (`理财` in a million `…理财` aliases, the pinyin
/// pair `li|cai`, a city that begins one name in twenty): asking for it would score and
/// reject that many candidates. At 1/20 a city's bigram was still asked for, and whole names
/// took a fifth longer.
pub(super) const COMMON_SHARE: u64 = 50;
pub(super) const COMMON_AT_LEAST: u64 = 5_000;

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

/// The terms worth retrieving by, as identities, parts and how many parts a document needs:
/// the common ones are left out while a rarer one remains (each common part left out lowers
/// the parts needed by one, so nothing that ranking would accept is lost); when all are
/// common, only the rarest is kept, and it is enough.
fn telling(
    searcher: &tantivy::Searcher,
    wanted: &Retrieval,
    term: impl Fn(&String) -> Term,
) -> Result<(Vec<Term>, Vec<Term>, usize), SearchError> {
    let common = (searcher.num_docs() / COMMON_SHARE).max(COMMON_AT_LEAST);
    let mut counted = Vec::with_capacity(wanted.any.len() + wanted.parts.len());
    for (is_part, t) in wanted
        .any
        .iter()
        .map(|t| (false, t))
        .chain(wanted.parts.iter().map(|t| (true, t)))
    {
        let t = term(t);
        counted.push((searcher.doc_freq(&t).map_err(err)?, is_part, t));
    }
    if counted.iter().any(|(n, _, _)| *n <= common) {
        counted.retain(|(n, _, _)| *n <= common);
    } else {
        counted.sort_by_key(|(n, _, _)| *n);
        counted.truncate(1);
        let (_, is_part, t) = counted.remove(0);
        return Ok(if is_part {
            (Vec::new(), vec![t], 1)
        } else {
            (vec![t], Vec::new(), 1)
        });
    }
    let (mut any, mut parts) = (Vec::new(), Vec::new());
    for (_, is_part, t) in counted {
        if is_part { parts.push(t) } else { any.push(t) }
    }
    let dropped = wanted.parts.len() - parts.len();
    Ok((any, parts, wanted.need.saturating_sub(dropped).max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, tokens: &[&str]) -> IndexDoc {
        IndexDoc {
            key: doc_key(DocKind::Entry, id),
            id,
            kind: DocKind::Entry,
            ends_day: i64::MAX,
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn a_token_in_most_documents_is_not_asked_for_while_a_rarer_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = Embedded::open(dir.path()).unwrap();
        let docs: Vec<IndexDoc> = (1..=6_000)
            .map(|id| doc(id, &["common", &format!("only{id}")]))
            .collect();
        index.add(&docs, false).unwrap();
        index.commit().unwrap();
        let ask = |tokens: &[&str]| {
            let wanted = Retrieval {
                any: tokens.iter().map(|t| t.to_string()).collect(),
                parts: Vec::new(),
                need: 1,
            };
            index.candidates(DocKind::Entry, &wanted, 0, 200).unwrap()
        };
        assert_eq!(ask(&["common", "only42"]), (vec![42], false));
        assert_eq!(ask(&["common", "absent"]), (vec![], false));
        let (ids, capped) = ask(&["common"]);
        assert!(
            capped && ids.len() == 200,
            "all common: the rarest is still asked for"
        );
    }

    #[test]
    fn a_document_needs_enough_parts_unless_it_has_an_identity() {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = Embedded::open(dir.path()).unwrap();
        index
            .add(
                &[
                    doc(1, &["p1", "p2", "p3"]),
                    doc(2, &["p1", "p2"]),
                    doc(3, &["p1"]),
                    doc(4, &["name"]),
                ],
                false,
            )
            .unwrap();
        index.commit().unwrap();
        let ask = |need: usize| {
            let wanted = Retrieval {
                any: vec!["name".into()],
                parts: vec!["p1".into(), "p2".into(), "p3".into()],
                need,
            };
            let (mut ids, _) = index.candidates(DocKind::Entry, &wanted, 0, 200).unwrap();
            ids.sort_unstable();
            ids
        };
        assert_eq!(ask(1), vec![1, 2, 3, 4]);
        assert_eq!(ask(2), vec![1, 2, 4]);
        assert_eq!(ask(3), vec![1, 4]);
    }

    #[test]
    fn a_rebuild_ends_as_one_segment_with_every_document() {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = Embedded::open(dir.path()).unwrap();
        index.clear_uncommitted().unwrap();
        // Ten segments, as a large rebuild's writer flushes them; merging them may only start
        // once the rebuild's own merge is done.
        for part in 0..10 {
            let docs: Vec<IndexDoc> = (1..=100)
                .map(|i| {
                    doc(
                        part * 100 + i,
                        &["common", &format!("only{}", part * 100 + i)],
                    )
                })
                .collect();
            index.add(&docs, false).unwrap();
            index.writer.lock().unwrap().commit().unwrap();
        }
        index.finish_rebuild().unwrap();
        let searcher = index.reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        assert_eq!(searcher.num_docs(), 1_000);
        let wanted = Retrieval {
            any: vec!["only777".into()],
            parts: Vec::new(),
            need: 1,
        };
        assert_eq!(
            index.candidates(DocKind::Entry, &wanted, 0, 10).unwrap(),
            (vec![777], false)
        );
    }

    #[test]
    fn a_rebuild_then_a_delete_removes_exactly_that_document() {
        // Failed within a hundred rounds (usually a few dozen) while a rebuild cleared the
        // index with `delete_all_documents`: the delete took other documents out and left
        // this one.
        for round in 0..120 {
            let dir = tempfile::tempdir().unwrap();
            let (index, _) = Embedded::open(dir.path()).unwrap();
            let docs: Vec<IndexDoc> = (1..=20)
                .map(|id| doc(id, &["common", &format!("only{id}")]))
                .collect();
            index.apply(&docs, &[]).unwrap();
            index.clear_uncommitted().unwrap();
            index.add(&docs, false).unwrap();
            index.finish_rebuild().unwrap();
            index.delete_ids(DocKind::Entry, &[4]).unwrap();
            let mut ids = index.ids(DocKind::Entry).unwrap();
            ids.sort_unstable();
            let want: Vec<i64> = (1..=20).filter(|id| *id != 4).collect();
            assert_eq!(ids, want, "round {round}");
        }
    }
}
