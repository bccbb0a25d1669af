//! Hostile input at every endpoint: missing and repeated parameters, garbage
//! and non-UTF-8 bodies, wrong content types, oversized fields and bodies.
//! The answer is always an RFC-shaped 4xx — JSON on the back channel, an HTML
//! page on the front channel — never a 5xx, never a dropped connection.

use super::client::{Reply, TestServer, http, send, start};
use crate::server::Config;
use crate::server::params::{MAX_BODY_LEN, MAX_PARAM_LEN, MAX_PARAMS};

/// Bodies no endpoint accepts as a valid request.
fn hostile_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let form = "application/x-www-form-urlencoded";
    vec![
        ("empty", form, Vec::new()),
        ("non-UTF-8 bytes", form, b"grant_type=\xff\xfe&token=\x80".to_vec()),
        ("non-UTF-8 escape", form, b"grant_type=%ff&token=%c3%28".to_vec()),
        ("bad escape", form, b"grant_type=%zz&token=%".to_vec()),
        ("binary garbage", form, (0u8..=255).collect()),
        ("JSON body", "application/json", br#"{"grant_type":"client_credentials"}"#.to_vec()),
        ("no content type", "", b"grant_type=client_credentials".to_vec()),
        (
            "oversized field",
            form,
            format!("grant_type={}", "a".repeat(MAX_PARAM_LEN + 1)).into_bytes(),
        ),
        ("oversized body", form, vec![b'a'; MAX_BODY_LEN + 1]),
        ("too many params", form, vec!["x=1"; MAX_PARAMS + 1].join("&").into_bytes()),
        (
            "repeated params",
            form,
            b"grant_type=client_credentials&grant_type=client_credentials&token=a&token=b&tx=a&tx=b"
                .to_vec(),
        ),
    ]
}

fn assert_json_4xx(what: &str, reply: &Reply) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{what}: {:?}",
        reply.header("content-type")
    );
    assert!(!reply.error().is_empty(), "{what}: {}", reply.body);
}

fn assert_html_4xx(what: &str, reply: &Reply) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{what}"
    );
    assert!(reply.location().is_none(), "{what}: redirected");
}

async fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, server.url(path)).body(body);
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    send(request).await
}

#[tokio::test]
async fn back_channel_endpoints_answer_garbage_with_json_errors() {
    let server = start(Config::default()).await;
    for path in ["/token", "/revoke", "/introspect"] {
        for (what, content_type, body) in hostile_bodies() {
            let reply = server.post_raw(path, content_type, body).await;
            assert_json_4xx(&format!("{path} {what}"), &reply);
        }
        for method in ["GET", "PUT", "DELETE"] {
            let reply = raw(&server, method, path, "", Vec::new()).await;
            assert_eq!(reply.status, 405, "{method} {path}");
            assert_json_4xx(&format!("{method} {path}"), &reply);
        }
    }
}

#[tokio::test]
async fn front_channel_endpoints_answer_garbage_with_error_pages() {
    let server = start(Config::default()).await;
    for path in ["/authorize", "/login", "/consent"] {
        for (what, content_type, body) in hostile_bodies() {
            let reply = raw(&server, "POST", path, content_type, body).await;
            assert_html_4xx(&format!("POST {path} {what}"), &reply);
        }
        for query in [
            "%ff".to_string(),
            "client_id=%c3%28".into(),
            "client_id=%zz".into(),
            format!("client_id={}", "a".repeat(MAX_PARAM_LEN + 1)),
            vec!["x=1"; MAX_PARAMS + 1].join("&"),
            "tx=a&tx=b&client_id=a&client_id=b".into(),
            String::new(),
        ] {
            let reply = raw(&server, "GET", &format!("{path}?{query}"), "", Vec::new()).await;
            assert_html_4xx(
                &format!("GET {path}?{}", &query[..query.len().min(40)]),
                &reply,
            );
        }
        let reply = raw(&server, "DELETE", path, "", Vec::new()).await;
        assert_eq!(reply.status, 405);
    }
}

#[tokio::test]
async fn bearer_endpoints_answer_garbage_with_challenges() {
    let server = start(Config::default()).await;
    let http = http();
    for path in ["/userinfo", "/api/me", "/api/write"] {
        for authorization in [
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
            reqwest::header::HeaderValue::from_static("Basic YXBwOng="),
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", "a".repeat(8000)))
                .unwrap(),
            reqwest::header::HeaderValue::from_static("Bearer ==="),
        ] {
            let reply = http
                .get(server.url(path))
                .header("authorization", authorization)
                .send()
                .await
                .unwrap();
            let status = reply.status().as_u16();
            assert!(matches!(status, 400 | 401), "{path}: {status}");
            assert!(
                reply.headers()["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer")
            );
        }
        for (what, content_type, body) in hostile_bodies() {
            let reply = raw(&server, "POST", path, content_type, body).await;
            assert!(
                matches!(reply.status, 400 | 401),
                "POST {path} {what}: {}",
                reply.status
            );
        }
    }
    let missing = server.get("/no/such/path").await;
    assert_eq!(missing.status, 404);
}
