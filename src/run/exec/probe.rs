//! The `tls_probe` step: what a server does with a request sent in clear to
//! the `http://` form of an https endpoint, and whether it agrees to a
//! TLS 1.0/1.1 handshake. The requests carry dummy credentials only: the
//! profile's real secrets never go out unencrypted.

use super::{StepError, Trial};
use crate::agent::{AgentError, LegacyAnswer, Request};
use crate::checks::{HttpExchange, StepResult, TlsProbeResult};
use crate::suite::builtin::Endpoint;
use crate::suite::model::{TlsProbeKind, TlsProbeStep};

impl Trial<'_> {
    pub(super) async fn tls_probe(&mut self, step: &TlsProbeStep) -> Result<StepResult, StepError> {
        let url = self
            .profile
            .endpoints
            .url(step.endpoint)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                StepError::NotApplicable(format!(
                    "the target profile has no `{}` endpoint to probe",
                    step.endpoint
                ))
            })?;
        let mut parsed = url::Url::parse(&url)
            .map_err(|err| StepError::Other(format!("`{url}` is not a URL: {err}")))?;
        if parsed.scheme() != "https" {
            return Err(StepError::NotApplicable(format!(
                "the {} endpoint is not https (`{url}`): nothing to probe",
                step.endpoint
            )));
        }
        let probe = match step.probe {
            TlsProbeKind::LegacyTls => match self.agent.probe_legacy_tls(&url).await? {
                LegacyAnswer::Agreed(version) => TlsProbeResult {
                    accepted: Some(true),
                    version: Some(version),
                    ..TlsProbeResult::default()
                },
                LegacyAnswer::Refused(reason) => TlsProbeResult {
                    accepted: Some(false),
                    refused: Some(reason),
                    ..TlsProbeResult::default()
                },
            },
            TlsProbeKind::PlainHttp => {
                // Same host, same explicit port; an implicit 443 becomes 80.
                let _ = parsed.set_scheme("http");
                let request = self.clear_request(step.endpoint, parsed.as_str());
                match self.agent.send(request).await {
                    Ok(response) => TlsProbeResult {
                        answered: Some(true),
                        http: Some(HttpExchange::from_response(&response)),
                        ..TlsProbeResult::default()
                    },
                    Err(
                        err @ (AgentError::Connect { .. }
                        | AgentError::Http { .. }
                        | AgentError::Timeout { .. }),
                    ) => TlsProbeResult {
                        answered: Some(false),
                        refused: Some(err.to_string()),
                        ..TlsProbeResult::default()
                    },
                    Err(other) => return Err(other.into()),
                }
            }
        };
        Ok(StepResult::TlsProbe(probe))
    }

    /// What a client would send to the endpoint, with made-up credentials.
    fn clear_request(&self, endpoint: Endpoint, url: &str) -> Request {
        let main = &self.profile.main;
        let dummy = || crate::run::random_token(24);
        match endpoint {
            Endpoint::Token => Request::post_form(
                url,
                vec![
                    ("grant_type".into(), "authorization_code".into()),
                    ("code".into(), dummy()),
                    ("redirect_uri".into(), main.redirect_uri.clone()),
                    ("client_id".into(), main.id.clone()),
                    ("client_secret".into(), dummy()),
                ],
                false,
            ),
            Endpoint::Revocation | Endpoint::Introspection => Request::post_form(
                url,
                vec![
                    ("token".into(), dummy()),
                    ("client_id".into(), main.id.clone()),
                    ("client_secret".into(), dummy()),
                ],
                false,
            ),
            Endpoint::Authorization => {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("response_type", "code")
                    .append_pair("client_id", &main.id)
                    .append_pair("redirect_uri", &main.redirect_uri)
                    .append_pair("state", &dummy())
                    .finish();
                let separator = if url.contains('?') { '&' } else { '?' };
                Request::get(format!("{url}{separator}{query}"), false)
            }
            Endpoint::Registration => {
                let mut request = Request::get(url, false);
                request.method = "POST".into();
                request.body = Some(crate::agent::Body::Raw {
                    content_type: "application/json".into(),
                    text: r#"{"redirect_uris":["https://client.example/never-registered"]}"#.into(),
                });
                request
            }
            Endpoint::Userinfo
            | Endpoint::Jwks
            | Endpoint::Resource
            | Endpoint::ScopedResource
            | Endpoint::SecondResource => {
                let mut request = Request::get(url, false);
                if endpoint != Endpoint::Jwks {
                    request
                        .headers
                        .push(("authorization".into(), format!("Bearer {}", dummy())));
                }
                request
            }
        }
    }
}
