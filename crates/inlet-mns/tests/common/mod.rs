//! A tiny raw-TCP HTTP/1.1 server for tests: it records every request byte-exact (request line,
//! headers, body) and answers from a script. Raw TCP on purpose: what it records is what the
//! client really put on the wire, with no HTTP library normalising anything.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};

#[derive(Debug, Clone)]
pub struct Recorded {
    /// e.g. `GET /queues/q/messages?waitseconds=30 HTTP/1.1`
    pub request_line: String,
    pub method: String,
    /// The request-target exactly as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer. `Reply::Hang` keeps the connection open without answering; `Reply::Drop`
/// closes it without a word.
pub enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    Hang,
    Drop,
}

impl Reply {
    pub fn xml(status: u16, body: &str) -> Self {
        Reply::Http {
            status,
            headers: vec![
                ("Content-Type".into(), "text/xml;charset=utf-8".into()),
                ("x-mns-request-id".into(), "5F2A00000000000000000001".into()),
            ],
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: &str) -> Self {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn empty(status: u16) -> Self {
        Reply::Http {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn error(status: u16, code: &str) -> Self {
        Reply::xml(
            status,
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Error xmlns="http://mns.aliyuncs.com/doc/v1/"><Code>{code}</Code><Message>scripted</Message><RequestId>RID-{code}</RequestId><HostId>h</HostId></Error>"#
            ),
        )
    }
}

pub type ReplyFuture = Pin<Box<dyn Future<Output = Reply> + Send>>;
type Script = Arc<dyn Fn(usize, Recorded) -> ReplyFuture + Send + Sync>;

pub struct Server {
    pub addr: SocketAddr,
    requests: Mutex<mpsc::UnboundedReceiver<Recorded>>,
}

impl Server {
    /// Starts a server answering request number `n` (0-based, in arrival order) with
    /// `script(n, request)`.
    pub async fn start<F, Fut>(script: F) -> Server
    where
        F: Fn(usize, Recorded) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let script: Script = Arc::new(move |n, r| Box::pin(script(n, r)));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = mpsc::unbounded_channel();
        let counter = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, script.clone(), tx.clone(), counter.clone()));
            }
        });
        Server {
            addr,
            requests: Mutex::new(rx),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next request the server received (waits for it).
    pub async fn next_request(&self) -> Recorded {
        self.requests
            .lock()
            .await
            .recv()
            .await
            .expect("server stopped")
    }
}

async fn serve(
    stream: TcpStream,
    script: Script,
    tx: mpsc::UnboundedSender<Recorded>,
    counter: Arc<AtomicUsize>,
) {
    let mut reader = BufReader::new(stream);
    // Keep-alive: serve requests on this connection until the client closes it.
    while let Some(request) = read_request(&mut reader).await {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let _ = tx.send(request.clone());
        match script(n, request).await {
            Reply::Http {
                status,
                headers,
                body,
            } => {
                let mut out = format!(
                    "HTTP/1.1 {status} X\r\nServer: AliyunMQS\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                if reader.get_mut().write_all(out.as_bytes()).await.is_err() {
                    return;
                }
            }
            Reply::Hang => std::future::pending::<()>().await,
            Reply::Drop => return,
        }
    }
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let request_line = line.trim_end_matches("\r\n").to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await.ok()?;
        let h = h.trim_end_matches("\r\n");
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Recorded {
        request_line,
        method,
        target,
        headers,
        body,
    })
}

/// A one-shot gate a scripted reply can wait on, opened by the test once it has seen what it
/// wanted to see.
#[derive(Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Gate {
    pub fn new() -> Self {
        Gate(Arc::new(tokio::sync::Semaphore::new(0)))
    }

    pub fn open(&self) {
        self.0.add_permits(1_000);
    }

    pub async fn passed(&self) {
        let _ = self.0.acquire().await.expect("gate closed");
    }
}
