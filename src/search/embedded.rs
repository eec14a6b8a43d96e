//! The embedded backend: a tantivy index in the data folder. It indexes the tokens of
//! `analysis` with a whitespace tokenizer, so tantivy only does what it is best at
//! (inverted lists, BM25, top-k, filters) and Chinese analysis stays shared with Meilisearch.
//! The index is a rebuildable cache of the database.

use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::SearchError;
use super::document::{DocKind, IndexDoc, Stored};

/// Entries and articles have token fields of their own, so that a query is a plain
/// disjunction over one field (which tantivy prunes with block-max WAND) with no filter
/// clauses; publicity is checked on the few candidates afterwards.
struct Fields {
    key: Field,
    entry_tokens: Field,
    article_tokens: Field,
    doc: Field,
}

pub struct Embedded {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

const TOKENIZER: &str = "ws";
/// Bumped whenever the tokens change meaning; an index of another format is rebuilt.
const FORMAT: &str = "jingshi-index-format-2";
/// Memory for the writer's in-RAM segments.
const WRITER_HEAP: usize = 128 * 1024 * 1024;

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let key = b.add_text_field("key", STRING | STORED);
    let tokens = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let entry_tokens = b.add_text_field("entry_tokens", tokens());
    let article_tokens = b.add_text_field("article_tokens", tokens());
    let doc = b.add_text_field("doc", STORED);
    (
        b.build(),
        Fields {
            key,
            entry_tokens,
            article_tokens,
            doc,
        },
    )
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Backend(e.to_string())
}

impl Embedded {
    /// Opens the index in `dir`, creating it when missing. An index written by an older schema
    /// is discarded (it is only a cache); `rebuilt` tells the caller to refill it.
    pub fn open(dir: &Path) -> Result<(Embedded, bool), SearchError> {
        std::fs::create_dir_all(dir).map_err(err)?;
        let (schema, fields) = schema();
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
        for d in upserts {
            if replace {
                writer.delete_term(Term::from_field_text(f.key, &d.key));
            }
            let mut doc = TantivyDocument::default();
            doc.add_text(f.key, &d.key);
            let field = match d.kind {
                DocKind::Entry => f.entry_tokens,
                DocKind::Article => f.article_tokens,
            };
            doc.add_text(field, d.tokens.join(" "));
            doc.add_text(f.doc, serde_json::to_string(&d.stored).map_err(err)?);
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
    /// so that searches keep the old index until the new one is complete.
    pub fn clear_uncommitted(&self) -> Result<(), SearchError> {
        self.writer
            .lock()
            .map_err(err)?
            .delete_all_documents()
            .map_err(err)?;
        Ok(())
    }

    /// Abandons what was added since the last commit (a failed rebuild).
    pub fn rollback(&self) -> Result<(), SearchError> {
        self.writer.lock().map_err(err)?.rollback().map_err(err)?;
        Ok(())
    }

    /// Up to `limit` documents of `kind` whose publicity lasts at least until `today`, that
    /// contain any (or, with `all`, every) token, best BM25 first.
    pub fn candidates(
        &self,
        kind: DocKind,
        tokens: &[String],
        all: bool,
        today: i64,
        limit: usize,
    ) -> Result<Vec<Stored>, SearchError> {
        let f = &self.fields;
        let field = match kind {
            DocKind::Entry => f.entry_tokens,
            DocKind::Article => f.article_tokens,
        };
        let occur = if all { Occur::Must } else { Occur::Should };
        let query = BooleanQuery::new(
            tokens
                .iter()
                .map(|t| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(field, t),
                        IndexRecordOption::WithFreqs,
                    ));
                    (occur, q)
                })
                .collect(),
        );
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(err)?;
        let mut out = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
            if let Some(json) = doc.get_first(f.doc).and_then(|v| v.as_str()) {
                let stored: Stored = serde_json::from_str(json).map_err(err)?;
                let current = match &stored {
                    Stored::Entry(e) => e.ends_day >= today,
                    Stored::Article(_) => true,
                };
                if current {
                    out.push(stored);
                }
            }
        }
        Ok(out)
    }
}
