//! Stand-ins for a Meilisearch server that misbehaves, to test what the site does then: one
//! that accepts connections and never answers, and one that speaks the task protocol but fails
//! every document batch containing a given key (as Meilisearch fails a batch with a document it
//! cannot index).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

/// A port that accepts connections and never answers them.
pub async fn stalled() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    addr
}

#[derive(Default)]
struct Inner {
    next_task: u32,
    /// Task uid → the error it failed with, if any.
    tasks: BTreeMap<u32, Option<String>>,
    /// Keys of documents accepted.
    documents: HashSet<String>,
    /// Keys of documents whose batches fail.
    poison: HashSet<String>,
}

/// A Meilisearch that rejects batches containing poisoned keys.
#[derive(Clone, Default)]
pub struct Rejecting {
    inner: Arc<Mutex<Inner>>,
}

impl Rejecting {
    pub fn poison(&self, key: &str) {
        self.inner.lock().unwrap().poison.insert(key.to_string());
    }

    pub fn has(&self, key: &str) -> bool {
        self.inner.lock().unwrap().documents.contains(key)
    }

    pub async fn start(&self) -> SocketAddr {
        let app = Router::new()
            .route("/indexes", post(create_index))
            .route("/indexes/{uid}/settings", get(no_index).patch(accepted))
            .route("/indexes/{uid}/settings/prefix-search", put(accepted))
            .route("/indexes/{uid}/documents", post(add_documents))
            .route("/indexes/{uid}/documents/delete-batch", post(accepted))
            .route("/indexes/{uid}/documents/delete", post(accepted))
            .route("/indexes/{uid}/documents/fetch", post(fetch_documents))
            .route("/tasks/{uid}", get(task))
            .route("/multi-search", post(search))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    fn enqueue(&self, error: Option<String>) -> Response {
        let mut inner = self.inner.lock().unwrap();
        inner.next_task += 1;
        let uid = inner.next_task;
        inner.tasks.insert(uid, error);
        (
            StatusCode::ACCEPTED,
            Json(json!({
                "taskUid": uid,
                "indexUid": "jingshi",
                "status": "enqueued",
                "type": "documentAdditionOrUpdate",
                "enqueuedAt": "2026-01-01T00:00:00Z"
            })),
        )
            .into_response()
    }
}

fn meili_error(code: &str, message: &str) -> Value {
    json!({
        "message": message,
        "code": code,
        "type": "invalid_request",
        "link": "https://docs.meilisearch.com/errors"
    })
}

async fn no_index() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(meili_error("index_not_found", "Index `jingshi` not found.")),
    )
        .into_response()
}

async fn accepted(State(s): State<Rejecting>) -> Response {
    s.enqueue(None)
}

async fn create_index(State(s): State<Rejecting>) -> Response {
    s.enqueue(None)
}

async fn add_documents(
    State(s): State<Rejecting>,
    Path(_): Path<String>,
    Json(docs): Json<Vec<Value>>,
) -> Response {
    let keys: Vec<String> = docs
        .iter()
        .filter_map(|d| d["key"].as_str().map(str::to_string))
        .collect();
    let poisoned = {
        let inner = s.inner.lock().unwrap();
        keys.iter().find(|k| inner.poison.contains(*k)).cloned()
    };
    match poisoned {
        Some(key) => s.enqueue(Some(format!("Document `{key}` cannot be indexed."))),
        None => {
            s.inner.lock().unwrap().documents.extend(keys);
            s.enqueue(None)
        }
    }
}

async fn fetch_documents(State(s): State<Rejecting>) -> Response {
    let results: Vec<Value> = s
        .inner
        .lock()
        .unwrap()
        .documents
        .iter()
        .filter_map(|k| k.strip_prefix('e')?.parse::<i64>().ok())
        .map(|id| json!({ "id": id }))
        .collect();
    let total = results.len();
    Json(json!({ "results": results, "limit": 5000, "offset": 0, "total": total })).into_response()
}

async fn task(State(s): State<Rejecting>, Path(uid): Path<u32>) -> Response {
    let outcome = s.inner.lock().unwrap().tasks.get(&uid).cloned();
    let Some(error) = outcome else {
        return (
            StatusCode::NOT_FOUND,
            Json(meili_error("task_not_found", "Task not found.")),
        )
            .into_response();
    };
    let mut task = json!({
        "uid": uid,
        "indexUid": "jingshi",
        "status": if error.is_some() { "failed" } else { "succeeded" },
        "type": "documentAdditionOrUpdate",
        "details": null,
        "duration": "PT0.001S",
        "enqueuedAt": "2026-01-01T00:00:00Z",
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:00:01Z",
        "canceledBy": null,
        "error": null
    });
    if let Some(message) = error {
        task["error"] = meili_error("invalid_document_fields", &message);
    }
    Json(task).into_response()
}

async fn search(Json(body): Json<Value>) -> Response {
    let n = body["queries"].as_array().map_or(0, Vec::len);
    let results: Vec<Value> = (0..n)
        .map(|_| {
            json!({
                "hits": [],
                "query": "",
                "processingTimeMs": 0,
                "limit": 200,
                "offset": 0,
                "estimatedTotalHits": 0
            })
        })
        .collect();
    Json(json!({ "results": results })).into_response()
}
