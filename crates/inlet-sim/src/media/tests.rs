//! The media host over real HTTP: a real axum server on 127.0.0.1:0 and a real reqwest client.

use std::time::Duration;

use reqwest::{StatusCode, header, redirect};

use super::*;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Binds the media router alone on an ephemeral port and returns a host whose URLs point at it.
pub(crate) async fn start() -> MediaHost {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let host = MediaHost::new(Clock::new(), format!("http://{addr}"));
    let app = router(host.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    host
}

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// Reads a body chunk by chunk until it ends or breaks; returns the bytes and whether it broke.
async fn read_all(mut response: reqwest::Response) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => got.extend_from_slice(&chunk),
            Ok(None) => return (got, false),
            Err(_) => return (got, true),
        }
    }
}

fn xml_code(body: &str) -> &str {
    body.split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn normal_serves_the_bytes_with_declared_type_and_length() {
    let host = start().await;
    let bytes = assets::CAKE_JPG.bytes;
    let url = host.put(bytes, "image/jpeg", "cake.jpg", DAY, Behaviour::Normal);
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(
        headers[header::CONTENT_LENGTH],
        bytes.len().to_string().as_str()
    );
    assert_eq!(headers[header::SERVER], "AliyunOSS");
    assert_eq!(headers[header::ACCEPT_RANGES], "bytes");
    assert_eq!(headers["x-oss-request-id"].len(), 24);
    let etag = headers[header::ETAG].to_str().expect("etag");
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    assert_eq!(response.bytes().await.expect("body").as_ref(), bytes);
    let id = MediaHost::id_in_url(&url).expect("id");
    assert_eq!(host.hits(&id), 1);
}

#[tokio::test]
async fn ranges_give_206_and_out_of_range_gives_416() {
    let host = start().await;
    let bytes = sample(1000);
    let url = host.put(
        bytes.clone(),
        "application/pdf",
        "a.pdf",
        DAY,
        Behaviour::Normal,
    );
    let client = reqwest::Client::new();

    let partial = client
        .get(&url)
        .header(header::RANGE, "bytes=100-199")
        .send()
        .await
        .expect("get");
    assert_eq!(partial.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        partial.headers()[header::CONTENT_RANGE],
        "bytes 100-199/1000"
    );
    assert_eq!(
        partial.bytes().await.expect("body").as_ref(),
        &bytes[100..200]
    );

    let tail = client
        .get(&url)
        .header(header::RANGE, "bytes=900-")
        .send()
        .await
        .expect("get");
    assert_eq!(tail.bytes().await.expect("body").as_ref(), &bytes[900..]);

    let beyond = client
        .get(&url)
        .header(header::RANGE, "bytes=5000-")
        .send()
        .await
        .expect("get");
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        xml_code(&beyond.text().await.expect("body")),
        "InvalidRange"
    );
}

#[tokio::test]
async fn head_reports_length_without_a_body() {
    let host = start().await;
    let url = host.put(sample(321), "video/mp4", "v.mp4", DAY, Behaviour::Normal);
    let response = reqwest::Client::new()
        .head(&url)
        .send()
        .await
        .expect("head");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_LENGTH], "321");
    assert!(response.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn url_expires_when_the_clock_passes_expires() {
    let host = start().await;
    let url = host.put(
        sample(10),
        "image/png",
        "p.png",
        Duration::from_secs(60),
        Behaviour::Normal,
    );
    assert_eq!(
        reqwest::get(&url).await.expect("get").status(),
        StatusCode::OK
    );

    host.clock().advance(Duration::from_secs(61));
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/xml");
    let body = response.text().await.expect("body");
    assert!(body.starts_with("<?xml"), "{body}");
    assert_eq!(xml_code(&body), "AccessDenied");
    assert!(
        body.contains("<Message>Request has expired.</Message>"),
        "{body}"
    );
    assert!(
        body.contains("<Expires>") && body.contains("<ServerTime>"),
        "{body}"
    );
}

#[tokio::test]
async fn put_at_in_the_past_is_already_expired() {
    let host = start().await;
    let past = host.clock().now_secs() - 10;
    let url = host.put_at(sample(10), "image/png", "p.png", past, Behaviour::Normal);
    let body = reqwest::get(&url)
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(body.contains("Request has expired."), "{body}");
}

#[tokio::test]
async fn tampered_signature_or_expiry_is_refused() {
    let host = start().await;
    let expires = host.clock().now_secs() + 3600;
    let url = host.put_with_id(
        "42",
        sample(10),
        "image/jpeg",
        "x.jpg",
        expires,
        Behaviour::Normal,
    );

    let later = url.replace(
        &format!("Expires={expires}"),
        &format!("Expires={}", expires + 86_400),
    );
    let forged = format!(
        "{}AAAA",
        url.split("Signature=").next().expect("prefix").to_owned() + "Signature="
    );
    let renamed = url.replace("/x.jpg?", "/y.jpg?");
    for bad in [later, forged, renamed] {
        let response = reqwest::get(&bad).await.expect("get");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{bad}");
        assert_eq!(
            xml_code(&response.text().await.expect("body")),
            "SignatureDoesNotMatch",
            "{bad}"
        );
    }

    let unsigned = url.split('?').next().expect("path").to_owned();
    let response = reqwest::get(&unsigned).await.expect("get");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        xml_code(&response.text().await.expect("body")),
        "AccessDenied"
    );
    assert_eq!(host.hits("42"), 4, "refused requests are counted too");
}

#[tokio::test]
async fn names_needing_escapes_round_trip() {
    let host = start().await;
    let name = "Fatura março 2026 (final)+.pdf";
    let url = host.put_with_id(
        "id with space",
        sample(5),
        "application/pdf",
        name,
        i64::MAX / 2,
        Behaviour::Normal,
    );
    assert!(!url.contains(' '), "{url}");
    assert_eq!(MediaHost::id_in_url(&url).as_deref(), Some("id with space"));
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        sample(5).as_slice()
    );
}

#[tokio::test]
async fn not_found_and_unknown_ids_answer_no_such_key() {
    let host = start().await;
    let gone = host.put(sample(10), "image/jpeg", "g.jpg", DAY, Behaviour::NotFound);
    let never = host.url("999", "n.jpg", host.clock().now_secs() + 60);
    for url in [gone, never] {
        let response = reqwest::get(&url).await.expect("get");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(xml_code(&response.text().await.expect("body")), "NoSuchKey");
    }
}

#[tokio::test]
async fn removed_files_answer_404() {
    let host = start().await;
    let url = host.put(sample(10), "image/jpeg", "r.jpg", DAY, Behaviour::Normal);
    let id = MediaHost::id_in_url(&url).expect("id");
    assert!(host.remove(&id));
    assert_eq!(
        reqwest::get(&url).await.expect("get").status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn truncated_promises_everything_then_breaks_off() {
    let host = start().await;
    let bytes = sample(200_000);
    let url = host.put(
        bytes.clone(),
        "image/jpeg",
        "t.jpg",
        DAY,
        Behaviour::Truncated,
    );
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.content_length(), Some(200_000));
    let (got, broke) = read_all(response).await;
    assert!(broke, "the body must end in an error, not look complete");
    assert!(got.len() < bytes.len(), "got {} bytes", got.len());
    assert_eq!(
        got,
        bytes[..got.len()],
        "what arrives is the start of the file"
    );
}

#[tokio::test]
async fn slow_drip_delivers_everything_in_many_small_pieces() {
    let host = start().await;
    let bytes = sample(1_000);
    let url = host.put(
        bytes.clone(),
        "audio/ogg",
        "s.ogg",
        DAY,
        Behaviour::SlowDrip {
            bytes_per_sec: 2_000,
        },
    );
    let mut response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.content_length(), Some(1_000));
    let mut got = Vec::new();
    let mut pieces = 0;
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        pieces += 1;
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, bytes);
    assert!(pieces >= 2, "one piece means it was not dripped");
}

#[tokio::test]
async fn slow_drip_at_zero_sends_headers_then_nothing() {
    let host = start().await;
    let url = host.put(
        sample(100),
        "audio/ogg",
        "z.ogg",
        DAY,
        Behaviour::SlowDrip { bytes_per_sec: 0 },
    );
    let mut response = reqwest::get(&url).await.expect("headers arrive");
    assert_eq!(response.status(), StatusCode::OK);
    let waited = tokio::time::timeout(Duration::from_millis(300), response.chunk()).await;
    assert!(waited.is_err(), "no body byte may arrive");
}

#[tokio::test]
async fn endless_never_ends_and_declares_no_length() {
    let host = start().await;
    let url = host.put(sample(1_000), "video/mp4", "e.mp4", DAY, Behaviour::Endless);
    let mut response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.content_length(), None);
    assert!(response.headers().get(header::CONTENT_LENGTH).is_none());
    let mut total = 0usize;
    while total < 4 * 1024 * 1024 {
        let chunk = response
            .chunk()
            .await
            .expect("chunk")
            .expect("endless bodies do not end");
        total += chunk.len();
    }
}

#[tokio::test]
async fn wrong_length_smaller_cuts_the_body_silently() {
    let host = start().await;
    let bytes = sample(1_000);
    let url = host.put(
        bytes.clone(),
        "image/png",
        "w.png",
        DAY,
        Behaviour::WrongLength { declared: 100 },
    );
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.content_length(), Some(100));
    let (got, broke) = read_all(response).await;
    assert!(!broke);
    assert_eq!(got, bytes[..100]);
}

#[tokio::test]
async fn wrong_length_larger_breaks_off_after_the_real_bytes() {
    let host = start().await;
    let bytes = sample(1_000);
    let url = host.put(
        bytes.clone(),
        "image/png",
        "w.png",
        DAY,
        Behaviour::WrongLength { declared: 5_000 },
    );
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.content_length(), Some(5_000));
    let (got, broke) = read_all(response).await;
    assert!(broke);
    assert_eq!(got, bytes[..got.len()]);
}

#[tokio::test]
async fn wrong_mime_serves_another_content_type() {
    let host = start().await;
    let bytes = assets::BIKE_JPG.bytes;
    let served = Behaviour::WrongMime {
        served: "text/html".into(),
    };
    let url = host.put(bytes, "image/jpeg", "b.jpg", DAY, served);
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/html");
    assert_eq!(response.bytes().await.expect("body").as_ref(), bytes);
}

#[tokio::test]
async fn redirect_loop_alternates_between_two_urls_forever() {
    let host = start().await;
    let url = host.put(
        sample(10),
        "image/jpeg",
        "l.jpg",
        DAY,
        Behaviour::RedirectLoop,
    );
    let client = no_redirects();
    let first = client.get(&url).send().await.expect("get");
    assert_eq!(first.status(), StatusCode::FOUND);
    let second_url = first.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert_ne!(second_url, url);
    let second = client.get(&second_url).send().await.expect("get");
    assert_eq!(second.status(), StatusCode::FOUND);
    assert_eq!(second.headers()[header::LOCATION], url.as_str());

    let followed = reqwest::get(&url).await;
    assert!(followed.is_err_and(|e| e.is_redirect()));
    let id = MediaHost::id_in_url(&url).expect("id");
    assert!(host.hits(&id) >= 4);
}

#[tokio::test]
async fn redirect_points_elsewhere() {
    let host = start().await;
    let target = host.put(
        assets::STICKER_WEBP.bytes,
        "image/webp",
        "s.webp",
        DAY,
        Behaviour::Normal,
    );
    let url = host.put(
        sample(1),
        "image/webp",
        "r.webp",
        DAY,
        Behaviour::Redirect { to: target.clone() },
    );
    let response = no_redirects().get(&url).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], target.as_str());
    let followed = reqwest::get(&url)
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(followed.as_ref(), assets::STICKER_WEBP.bytes);
}

#[tokio::test]
async fn fail_times_answers_500_then_recovers() {
    let host = start().await;
    let bytes = sample(64);
    let url = host.put(
        bytes.clone(),
        "image/jpeg",
        "f.jpg",
        DAY,
        Behaviour::FailTimes(2),
    );
    for _ in 0..2 {
        let response = reqwest::get(&url).await.expect("get");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            xml_code(&response.text().await.expect("body")),
            "InternalError"
        );
    }
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );
    assert_eq!(host.hits(&MediaHost::id_in_url(&url).expect("id")), 3);
}

#[test]
fn urls_are_deterministic_and_ids_are_decimal() {
    let a = MediaHost::new(Clock::new(), "http://h:1/".into());
    let b = MediaHost::new(Clock::new(), "http://h:1".into());
    let url = a.put_at(
        vec![1],
        "image/png",
        "a.png",
        1_700_000_000,
        Behaviour::Normal,
    );
    assert_eq!(
        url,
        b.put_at(
            vec![1],
            "image/png",
            "a.png",
            1_700_000_000,
            Behaviour::Normal
        )
    );
    assert!(url.starts_with("http://h:1/media/"), "{url}");
    assert!(
        MediaHost::id_in_url(&url)
            .expect("id")
            .bytes()
            .all(|c| c.is_ascii_digit())
    );
    let other = MediaHost::with_secret(Clock::new(), "http://h:1".into(), b"other".to_vec());
    assert_ne!(
        url,
        other.put_at(
            vec![1],
            "image/png",
            "a.png",
            1_700_000_000,
            Behaviour::Normal
        )
    );
}
