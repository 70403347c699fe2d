//! A real SMTP server for tests: listens on 127.0.0.1 (free port), speaks
//! the protocol (EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT) to whatever client connects — here lettre in the application — and
//! records every message accepted, with a small MIME reader to get at the
//! decoded bodies.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body, dot-unstuffed).
    pub data: String,
    /// The user that authenticated on the connection, if any.
    pub auth_user: Option<String>,
}

/// The running server.
pub struct MailServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MailServer {
    /// Starts listening on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (r, a) = (received.clone(), arrived.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (r, a) = (r.clone(), a.clone());
                tokio::spawn(async move {
                    let _ = session(stream, r, a).await;
                });
            }
        });
        Self {
            port,
            received,
            arrived,
            task,
        }
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Messages to one recipient so far.
    pub fn messages_to(&self, to: &str) -> Vec<ReceivedMail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Waits (up to 10 s) until `count` messages to `to` have arrived; returns the last.
    pub async fn wait_for_nth(&self, to: &str, count: usize) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            let mine = self.messages_to(to);
            if mine.len() >= count {
                return mine[count - 1].clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "no message #{count} to {to} within 10 s; got {:?}",
                    self.messages()
                );
            }
        }
    }

    /// Waits for the first message to `to`.
    pub async fn wait_for(&self, to: &str) -> ReceivedMail {
        self.wait_for_nth(to, 1).await
    }
}

async fn reply(w: &mut (impl AsyncWriteExt + Unpin), text: &str) -> std::io::Result<()> {
    w.write_all(text.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}

async fn session(
    stream: TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut auth_user: Option<String> = None;
    reply(&mut write, "220 test.localhost ESMTP ready").await?;
    let b64 = base64::engine::general_purpose::STANDARD;
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']).to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply(
                &mut write,
                "250-test.localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN",
            )
            .await?;
        } else if upper.starts_with("HELO") {
            reply(&mut write, "250 test.localhost").await?;
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = command.split_whitespace().nth(2).map(str::to_string);
            let encoded = match initial {
                Some(i) => i,
                None => {
                    reply(&mut write, "334 ").await?;
                    line.clear();
                    lines.read_line(&mut line).await?;
                    line.trim().to_string()
                }
            };
            let decoded = b64.decode(encoded.trim()).unwrap_or_default();
            let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
            auth_user = parts
                .get(1)
                .map(|u| String::from_utf8_lossy(u).into_owned());
            reply(&mut write, "235 2.7.0 Authentication successful").await?;
        } else if upper.starts_with("AUTH LOGIN") {
            reply(&mut write, "334 VXNlcm5hbWU6").await?;
            line.clear();
            lines.read_line(&mut line).await?;
            auth_user = Some(
                String::from_utf8_lossy(&b64.decode(line.trim()).unwrap_or_default()).into_owned(),
            );
            reply(&mut write, "334 UGFzc3dvcmQ6").await?;
            line.clear();
            lines.read_line(&mut line).await?;
            reply(&mut write, "235 2.7.0 Authentication successful").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&command[10..]);
            to.clear();
            reply(&mut write, "250 2.1.0 OK").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(angle(&command[8..]));
            reply(&mut write, "250 2.1.5 OK").await?;
        } else if upper == "DATA" {
            reply(&mut write, "354 End data with <CR><LF>.<CR><LF>").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                let text = line.trim_end_matches(['\r', '\n']);
                if text == "." {
                    break;
                }
                data.push_str(text.strip_prefix('.').unwrap_or(text));
                data.push_str("\r\n");
            }
            let count = {
                let mut list = received.lock().unwrap();
                list.push(ReceivedMail {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                    auth_user: auth_user.clone(),
                });
                list.len()
            };
            arrived.notify_waiters();
            reply(&mut write, &format!("250 2.0.0 OK queued as {count}")).await?;
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            reply(&mut write, "250 2.0.0 OK").await?;
        } else if upper == "NOOP" {
            reply(&mut write, "250 2.0.0 OK").await?;
        } else if upper == "QUIT" {
            reply(&mut write, "221 2.0.0 Bye").await?;
            return Ok(());
        } else {
            reply(&mut write, "502 5.5.2 Command not recognized").await?;
        }
    }
}

fn angle(arg: &str) -> String {
    let arg = arg.trim();
    let inner = arg
        .strip_prefix('<')
        .and_then(|a| a.split_once('>'))
        .map(|(a, _)| a)
        .unwrap_or(arg);
    inner.to_string()
}

/// Headers (unfolded) and body of a MIME entity.
fn split_entity(text: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for raw in head.split("\r\n") {
        if raw.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(raw.trim());
            }
        } else if let Some((name, value)) = raw.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == &name.to_ascii_lowercase())
        .map(|(_, v)| v.as_str())
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("valid base64 body"),
            )
            .expect("UTF-8 body")
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).expect("QP escape"));
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).expect("UTF-8 body")
        }
        _ => body.to_string(),
    }
}

impl ReceivedMail {
    /// A top-level header, unfolded (still RFC 2047-encoded if it was).
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_entity(&self.data);
        header(&headers, name).map(str::to_string)
    }

    /// The decoded bodies by content type (`text/plain`, `text/html`).
    pub fn bodies(&self) -> Vec<(String, String)> {
        let (headers, body) = split_entity(&self.data);
        let content_type = header(&headers, "content-type")
            .unwrap_or("text/plain")
            .to_string();
        if content_type.to_ascii_lowercase().starts_with("multipart/") {
            let boundary = content_type
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .expect("multipart boundary")
                .trim_matches('"')
                .to_string();
            body.split(&format!("--{boundary}"))
                .skip(1)
                .filter(|part| !part.starts_with("--"))
                .map(|part| {
                    let part = part.trim_start_matches("\r\n");
                    let (h, b) = split_entity(part);
                    let ct = header(&h, "content-type")
                        .unwrap_or("text/plain")
                        .to_string();
                    let kind = ct.split(';').next().unwrap().trim().to_ascii_lowercase();
                    (kind, decode_body(&h, b.trim_end_matches("\r\n")))
                })
                .collect()
        } else {
            let kind = content_type
                .split(';')
                .next()
                .unwrap()
                .trim()
                .to_ascii_lowercase();
            vec![(kind, decode_body(&headers, &body))]
        }
    }

    /// The decoded text/plain body.
    pub fn text(&self) -> String {
        self.bodies()
            .into_iter()
            .find(|(k, _)| k == "text/plain")
            .map(|(_, b)| b)
            .expect("a text/plain part")
    }

    /// The value after `label` on a line of the text body, e.g. the token
    /// after `Verification token: `.
    pub fn value_after(&self, label: &str) -> String {
        let text = self.text();
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no `{label}` in the message:\n{text}"))
    }
}
