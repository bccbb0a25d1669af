//! The agent's requests through the raw writer (`raw`): a request whose
//! query is sent byte for byte (`raw_query:`), and the handshake probe
//! offering only TLS 1.0/1.1. Both are paced, timed out, capped, redacted
//! and recorded like every other exchange; the evidence keeps the request
//! line exactly as it went on the wire.

use tokio::time::Instant;

use super::http::parse_http_url;
use super::raw::{self, LegacyAnswer, RawError};
use super::{Agent, AgentError, Exchange, Request, Response, Signal};

impl Agent {
    /// Sends `request` with `raw_query` appended to its URL's query exactly
    /// as given (no percent-encoding, no normalisation): the request line
    /// is written by hand, over TCP or TLS, through the proxy if any.
    /// No redirect is followed and nothing is retried.
    pub async fn send_raw_query(
        &self,
        request: &Request,
        raw_query: &str,
    ) -> Result<Response, AgentError> {
        let permit = match &self.shared.config.pace {
            Some(pace) => Some(
                pace.acquire(self.shared.trial.turn, &pace_key(request))
                    .await,
            ),
            None => None,
        };
        let started = Instant::now();
        let redactor = self.shared.redactor.clone();
        let config = &self.shared.config;
        let separator = if request.url.contains('?') { '&' } else { '?' };
        let full_url = format!("{}{separator}{raw_query}", request.url);
        let mut record = Exchange::begun(request.method.clone(), redactor.url(&full_url));
        let result = async {
            let url = parse_http_url(&request.url).map_err(|e| AgentError::BadUrl {
                url: redactor.url(&request.url),
                reason: e.to_string(),
            })?;
            let (mut headers, body) = self.outgoing(request, &url);
            let has = |headers: &[(String, String)], name: &str| {
                headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
            };
            let authority = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_string(),
            };
            if !has(&headers, "host") {
                headers.insert(0, ("host".into(), authority.clone()));
            }
            if !has(&headers, "accept-encoding") {
                headers.push(("accept-encoding".into(), "identity".into()));
            }
            headers.push(("connection".into(), "close".into()));
            let body_bytes = body.as_ref().map(|(_, text)| text.as_bytes().to_vec());
            if let Some(bytes) = &body_bytes {
                headers.push(("content-length".into(), bytes.len().to_string()));
            }
            for (name, value) in &headers {
                if [name, value]
                    .iter()
                    .any(|s| s.bytes().any(|b| b == b'\r' || b == b'\n'))
                {
                    return Err(AgentError::Http {
                        url: redactor.url(&full_url),
                        reason: format!("header `{name}` contains a line break"),
                    });
                }
            }
            record.request_headers = redactor.headers(&headers);
            if let Some((content_type, text)) = &body {
                record.request_body = Some(redactor.body(content_type, text));
            }
            let mut origin_form = url.path().to_string();
            if let Some(query) = url.query() {
                origin_form.push('?');
                origin_form.push_str(query);
            }
            origin_form.push(separator);
            origin_form.push_str(raw_query);
            let proxy_credentials = match &config.transport.proxy {
                super::ProxyRoute::Via(proxy) => proxy.basic_credentials(),
                _ => None,
            };
            let head_for = |absolute: bool| {
                let target = if absolute {
                    format!("{}://{authority}{origin_form}", url.scheme())
                } else {
                    origin_form.clone()
                };
                let mut head = format!("{} {target} HTTP/1.1\r\n", request.method);
                for (name, value) in &headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                if absolute && let Some(credentials) = &proxy_credentials {
                    head.push_str(&format!("proxy-authorization: {credentials}\r\n"));
                }
                head.push_str("\r\n");
                head
            };
            let work = raw::exchange(
                &config.transport,
                &url,
                head_for,
                body_bytes.as_deref().unwrap_or_default(),
                config.max_body,
            );
            let (head, response) =
                match tokio::time::timeout_at(started + config.timeout, work).await {
                    Err(_) | Ok(Err(RawError::Timeout)) => {
                        return Err(AgentError::Timeout {
                            url: redactor.url(&full_url),
                            after: config.timeout,
                        });
                    }
                    Ok(Err(RawError::Connect(reason))) => {
                        return Err(AgentError::Connect {
                            url: redactor.url(&full_url),
                            reason: redactor.message(&reason),
                        });
                    }
                    Ok(Err(RawError::Protocol(reason))) => {
                        return Err(AgentError::Http {
                            url: redactor.url(&full_url),
                            reason: redactor.message(&reason),
                        });
                    }
                    Ok(Ok(pair)) => pair,
                };
            let line = head.lines().next().unwrap_or_default();
            record.request_line = Some(redactor.message(line));
            if request.with_cookies {
                let set_cookies = response
                    .headers
                    .iter()
                    .filter(|(n, _)| n == "set-cookie")
                    .map(|(_, v)| v.as_str());
                self.jar.store(set_cookies, &url);
            }
            if let Some((_, location)) = response.headers.iter().find(|(n, _)| n == "location") {
                self.learn_params(&super::http::url_params(location));
            }
            let content_type = response
                .headers
                .iter()
                .find(|(n, _)| n == "content-type")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if content_type.to_ascii_lowercase().contains("json") {
                self.learn_json(&response.body);
            }
            record.status = Some(response.status);
            record.http_version = Some("HTTP/1.1".into());
            record.response_headers = redactor.headers(&response.headers);
            record.truncated = response.truncated;
            record.response_body = Some(super::http::excerpt(
                &redactor,
                &content_type,
                &response.body,
            ));
            Ok(Response {
                status: response.status,
                headers: response.headers,
                body: response.body,
                truncated: response.truncated,
                url: full_url.clone(),
            })
        }
        .await;
        let elapsed = started.elapsed();
        record.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if let Some(permit) = permit {
            permit.finish(match &result {
                Ok(_) => Signal::Answered(elapsed),
                Err(AgentError::Timeout { .. } | AgentError::Connect { .. }) => Signal::Overloaded,
                Err(_) => Signal::Other,
            });
        }
        if let Err(e) = &result {
            record.error = Some(redactor.message(&e.to_string()));
        }
        self.record([record]);
        result
    }

    /// Offers only TLS 1.0/1.1 to the server of `url` and says whether it
    /// agreed. Recorded as a `TLS` exchange whose request line names what
    /// was offered.
    pub async fn probe_legacy_tls(&self, url: &str) -> Result<LegacyAnswer, AgentError> {
        let redactor = self.shared.redactor.clone();
        let config = &self.shared.config;
        let started = Instant::now();
        let parsed = parse_http_url(url).map_err(|e| AgentError::BadUrl {
            url: redactor.url(url),
            reason: e.to_string(),
        })?;
        let result = raw::legacy_tls(&config.transport, &parsed, config.timeout).await;
        let mut record = Exchange {
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request_line: Some("ClientHello offering TLS 1.0 and TLS 1.1 only".into()),
            ..Exchange::begun("TLS", redactor.url(url))
        };
        let answer = match result {
            Ok(answer) => answer,
            Err(RawError::Timeout) => LegacyAnswer::Refused(format!(
                "no answer within {}",
                humantime::format_duration(config.timeout)
            )),
            Err(e) => {
                record.error = Some(redactor.message(&e.to_string()));
                self.record([record]);
                return Err(AgentError::Connect {
                    url: redactor.url(url),
                    reason: redactor.message(&e.to_string()),
                });
            }
        };
        record.response_body = Some(match &answer {
            LegacyAnswer::Agreed(version) => format!("ServerHello agreeing to {version}"),
            LegacyAnswer::Refused(reason) => format!("refused: {reason}"),
        });
        self.record([record]);
        Ok(answer)
    }
}

/// What latencies are compared by: the method and the path (no query).
fn pace_key(request: &Request) -> String {
    let path = request.url.split(['?', '#']).next().unwrap_or("");
    format!("{} {path}", request.method.to_ascii_uppercase())
}
