//! The accept loop: hyper HTTP/1.1 with keep-alive, our own so that a request can really reset
//! its connection (the `reset_rate` fault) and handlers can see the peer address.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Request extension: asks the connection serving this request to drop it with a TCP reset.
#[derive(Clone)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Request extension: the client's address.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

/// Serves `router` on `listener` until `stop` turns true; then every open connection (including
/// parked long polls) is dropped.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => { conns.spawn(serve(stream, peer, router.clone())); }
                    // E.g. out of file descriptors: keep serving the connections we have.
                    Err(e) => tracing::warn!("accept failed: {e}"),
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
        conns.shutdown().await;
    })
}

async fn serve(stream: TcpStream, peer: SocketAddr, router: Router) {
    let _ = stream.set_nodelay(true);
    // A second handle to the same socket, kept outside hyper, to set SO_LINGER 0 on a kill.
    let (stream, spare) = match split_handle(stream) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!("cannot set up connection from {peer}: {e}");
            return;
        }
    };
    let kill = Arc::new(Notify::new());
    let svc = TowerToHyperService::new(router);
    let kill_ext = ConnKill(kill.clone());
    let service = service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(kill_ext.clone());
        req.extensions_mut().insert(PeerAddr(peer));
        hyper::service::Service::call(&svc, req.map(Body::new))
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    let killed = tokio::select! {
        r = conn => {
            if let Err(e) = r {
                tracing::debug!("connection from {peer} ended: {e}");
            }
            false
        }
        _ = kill.notified() => true,
    };
    if killed {
        // The hyper side is gone (its fd closed); closing this last handle with linger 0 makes
        // the kernel send RST instead of FIN.
        let socket = TcpSocket::from_std_stream(spare);
        let _ = socket.set_zero_linger();
        drop(socket);
    }
}

fn split_handle(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let std = stream.into_std()?;
    let spare = std.try_clone()?;
    Ok((TcpStream::from_std(std)?, spare))
}
