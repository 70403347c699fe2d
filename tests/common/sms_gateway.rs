//! A local SMS gateway for tests: a real HTTP/1.1 server on 127.0.0.1:0
//! (plain tokio, so it can drop a connection mid-request) that speaks the
//! generic gateway protocol — `POST /messages` de-duplicated by
//! `Idempotency-Key`, `GET /messages/{id}` status query — and, under
//! `/aliyun/`, Aliyun's SendSms form (its signature checked). It records
//! every request and can be told to answer 503, 400, or to accept a message
//! and then drop the connection before answering.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// How the gateway answers sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// 503 to every send and status query.
    Unavailable,
    /// 400 to every send.
    Reject,
    /// Takes the message, then closes the connection without answering.
    AcceptThenDrop,
}

/// One recorded send request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    /// The JSON body (generic) or the form parameters as a JSON object (Aliyun).
    pub body: Value,
    pub aliyun: bool,
}

#[derive(Debug)]
struct State {
    mode: Mode,
    requests: Vec<Recorded>,
    /// Accepted messages by idempotency key (Aliyun: by OutId, never de-duplicated).
    delivered: BTreeMap<String, Value>,
    aliyun_deliveries: Vec<BTreeMap<String, String>>,
    status_queries: usize,
}

/// The credential the gateway expects.
pub const AUTH: &str = "Bearer test-gateway-token";
/// The Aliyun secret the gateway checks signatures with.
pub const ALIYUN_SECRET: &str = "test-aliyun-secret";

/// A running gateway.
pub struct TestGateway {
    pub url: String,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestGateway {
    /// Starts a gateway on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Normal,
            requests: Vec::new(),
            delivered: BTreeMap::new(),
            aliyun_deliveries: Vec::new(),
            status_queries: 0,
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        Self { url, state, task }
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }
    /// Every send request received (duplicates included).
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }
    /// Send requests carrying a key.
    pub fn sends_of(&self, key: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.idempotency_key.as_deref() == Some(key))
            .count()
    }
    /// The messages the gateway accepted (once each).
    pub fn delivered(&self) -> BTreeMap<String, Value> {
        self.state.lock().unwrap().delivered.clone()
    }
    /// Every Aliyun SendSms accepted (Aliyun does not de-duplicate).
    pub fn aliyun_deliveries(&self) -> Vec<BTreeMap<String, String>> {
        self.state.lock().unwrap().aliyun_deliveries.clone()
    }
    pub fn status_queries(&self) -> usize {
        self.state.lock().unwrap().status_queries
    }
}

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

async fn respond(stream: &mut TcpStream, status: u16, body: Value) {
    let text = body.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "Other",
    };
    let out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(out.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) -> Option<()> {
    let req = read_request(&mut stream).await?;
    let mode = state.lock().unwrap().mode;
    if req.path.starts_with("/aliyun") {
        return aliyun(stream, state, req, mode).await;
    }
    if req.headers.get("authorization").map(String::as_str) != Some(AUTH) {
        respond(&mut stream, 401, json!({"error": "unauthorized"})).await;
        return Some(());
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/messages") => {
            let key = req.headers.get("idempotency-key").cloned();
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            state.lock().unwrap().requests.push(Recorded {
                idempotency_key: key.clone(),
                authorization: req.headers.get("authorization").cloned(),
                body: body.clone(),
                aliyun: false,
            });
            let Some(key) = key else {
                respond(
                    &mut stream,
                    400,
                    json!({"error": "Idempotency-Key required"}),
                )
                .await;
                return Some(());
            };
            match mode {
                Mode::Unavailable => respond(&mut stream, 503, json!({"error": "try later"})).await,
                Mode::Reject => respond(&mut stream, 400, json!({"error": "invalid number"})).await,
                Mode::Normal | Mode::AcceptThenDrop => {
                    let duplicate = {
                        let mut s = state.lock().unwrap();
                        let duplicate = s.delivered.contains_key(&key);
                        s.delivered.entry(key.clone()).or_insert(body);
                        duplicate
                    };
                    if mode == Mode::AcceptThenDrop {
                        // Accepted, but the answer never leaves.
                        drop(stream);
                        return Some(());
                    }
                    respond(
                        &mut stream,
                        200,
                        json!({"id": key, "status": "accepted", "duplicate": duplicate}),
                    )
                    .await;
                }
            }
        }
        ("GET", path) if path.starts_with("/messages/") => {
            let id = path.trim_start_matches("/messages/").to_string();
            let known = {
                let mut s = state.lock().unwrap();
                s.status_queries += 1;
                s.delivered.contains_key(&id)
            };
            if mode == Mode::Unavailable {
                respond(&mut stream, 503, json!({"error": "try later"})).await;
            } else if known {
                respond(&mut stream, 200, json!({"id": id, "status": "delivered"})).await;
            } else {
                respond(&mut stream, 404, json!({"error": "unknown message"})).await;
            }
        }
        _ => respond(&mut stream, 404, json!({"error": "no such route"})).await,
    }
    Some(())
}

/// Aliyun's SendSms: form parameters, signature over `POST`.
async fn aliyun(
    mut stream: TcpStream,
    state: Arc<Mutex<State>>,
    req: Request,
    mode: Mode,
) -> Option<()> {
    use platform::notify::sms::aliyun::{signature, string_to_sign};
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let mut unsigned = params.clone();
    let given = unsigned.remove("Signature").unwrap_or_default();
    let expected = signature(ALIYUN_SECRET, &string_to_sign("POST", &unsigned));
    state.lock().unwrap().requests.push(Recorded {
        idempotency_key: params.get("OutId").cloned(),
        authorization: None,
        body: serde_json::to_value(&params).unwrap(),
        aliyun: true,
    });
    if given != expected {
        respond(
            &mut stream,
            400,
            json!({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}),
        )
        .await;
        return Some(());
    }
    match mode {
        Mode::Unavailable => respond(&mut stream, 503, json!({"Code": "ServiceUnavailable"})).await,
        Mode::Reject => {
            respond(
                &mut stream,
                400,
                json!({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad number"}),
            )
            .await
        }
        Mode::Normal | Mode::AcceptThenDrop => {
            state.lock().unwrap().aliyun_deliveries.push(params.clone());
            if mode == Mode::AcceptThenDrop {
                drop(stream);
                return Some(());
            }
            let biz = format!("biz-{}", params.get("OutId").cloned().unwrap_or_default());
            respond(
                &mut stream,
                200,
                json!({"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": "r"}),
            )
            .await;
        }
    }
    Some(())
}
