//! The sequence diagram of a failing or warned trial in `report.html`:
//! lanes for the user agent, the client (oauthcheck) and the authorization
//! server, an arrow per request and per response, the step that broke in
//! the outcome's colour, each arrow a link to that exchange's evidence.
//!
//! Geometry only: this computes positions and labels as plain view data;
//! `templates/flow.html` draws them as inline SVG (askama escapes every
//! label, which is the server's text), so the page needs no script and
//! stays under its Content-Security-Policy.
//!
//! The record does not say which party sent a request, so the lane is
//! inferred from the request itself: discovery, JWKS, requests carrying an
//! `Authorization` header and form posts naming a grant, a token or a
//! client assertion are the client's back channel; everything else (the
//! authorization request, login and consent pages, their form posts) is
//! the user agent's front channel. A response redirecting off the server
//! is drawn on to the client, as the browser would deliver it.

use crate::agent::Exchange;
use crate::run::{Outcome, TrialReport};

/// Most exchanges drawn; the rest are counted under the diagram.
pub const MAX_EXCHANGES: usize = 40;
/// Characters of a label before it is cut with `…`.
const LABEL: usize = 56;

/// Lane centres and widths, in SVG user units.
const WIDTH: u32 = 820;
const LANES: [u32; 3] = [120, 410, 700];
const TOP: u32 = 48;
const ROW: u32 = 30;

/// One diagram, ready for the template.
pub struct Flow {
    pub width: u32,
    pub height: u32,
    /// `trial-N-flow`: the diagram's own anchor.
    pub id: String,
    pub lanes: Vec<Lane>,
    pub arrows: Vec<Arrow>,
    /// Exchanges beyond [`MAX_EXCHANGES`], not drawn.
    pub omitted: usize,
    /// The bottom of the lane lines.
    pub lane_bottom: u32,
    /// Whether the broken step is known from the record (else the last
    /// exchange stands for it).
    pub step_known: bool,
}

/// A participant's column.
pub struct Lane {
    pub x: u32,
    pub name: &'static str,
}

/// One arrow: a request, its response, or a redirect handed to the client.
pub struct Arrow {
    pub x1: u32,
    pub x2: u32,
    pub y: u32,
    /// Where the label's middle sits.
    pub label_x: u32,
    pub label: String,
    /// The full text, shown on hover.
    pub title: String,
    /// `#…` of the exchange's evidence.
    pub href: String,
    /// CSS classes: `request`, `response` or `redirect`, plus `broken`.
    pub class: String,
    /// The arrowhead, as `points` of a polygon.
    pub head: String,
}

/// Who sent a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Party {
    UserAgent = 0,
    Client = 1,
}

const SERVER: usize = 2;

/// The diagram of `trial` (numbered `index` on the page), when it is a
/// failing or warned trial that sent something.
pub fn of(trial: &TrialReport, index: usize) -> Option<Flow> {
    if !matches!(trial.outcome, Outcome::Fail | Outcome::Warn) || trial.exchanges.is_empty() {
        return None;
    }
    let step_known = trial.location.is_some()
        && trial
            .exchanges
            .iter()
            .any(|x| x.step.is_some() && x.step == trial.location);
    let last = trial.exchanges.len() - 1;
    let broken = |n: usize, x: &Exchange| {
        if step_known {
            x.step == trial.location
        } else {
            n == last
        }
    };
    let mut arrows = Vec::new();
    let mut y = TOP + ROW / 2;
    for (n, exchange) in trial.exchanges.iter().enumerate().take(MAX_EXCHANGES) {
        let from = party(exchange);
        let href = format!("#{}", evidence_id(index, n + 1));
        let extra = if broken(n, exchange) { " broken" } else { "" };
        let sender = LANES[from as usize];
        let server = LANES[SERVER];
        let request = format!("{} {}", exchange.method, path_and_query(&exchange.url));
        arrows.push(arrow(
            (sender, server, y),
            format!("{}. {request}", n + 1),
            format!("{} {}", exchange.method, exchange.url),
            &href,
            format!("request{extra}"),
        ));
        y += ROW;
        let status = match (exchange.status, &exchange.error) {
            (Some(status), _) => status.to_string(),
            (None, Some(error)) => format!("no response: {error}"),
            (None, None) => "no response".to_string(),
        };
        let location = exchange
            .response_headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("location"))
            .map(|(_, value)| value.as_str());
        let shown = match location {
            Some(location) => format!("{status} → {}", path_and_query(location)),
            None => status.clone(),
        };
        arrows.push(arrow(
            (server, sender, y),
            shown,
            match location {
                Some(location) => format!("{status} Location: {location}"),
                None => status,
            },
            &href,
            format!("response{extra}"),
        ));
        y += ROW;
        if from == Party::UserAgent
            && let Some(location) = location
            && leaves(&exchange.url, location)
        {
            arrows.push(arrow(
                (
                    LANES[Party::UserAgent as usize],
                    LANES[Party::Client as usize],
                    y,
                ),
                format!("redirect to the client: {}", query_names(location)),
                format!("the browser would deliver {location}"),
                &href,
                format!("redirect{extra}"),
            ));
            y += ROW;
        }
    }
    let lane_bottom = y;
    Some(Flow {
        width: WIDTH,
        height: lane_bottom + 12,
        id: format!("trial-{index}-flow"),
        lanes: vec![
            Lane {
                x: LANES[0],
                name: "user agent",
            },
            Lane {
                x: LANES[1],
                name: "client (oauthcheck)",
            },
            Lane {
                x: LANES[2],
                name: "authorization server",
            },
        ],
        arrows,
        omitted: trial.exchanges.len().saturating_sub(MAX_EXCHANGES),
        lane_bottom,
        step_known,
    })
}

/// The anchor of exchange `number` (from 1) of trial `index`.
pub fn evidence_id(index: usize, number: usize) -> String {
    format!("trial-{index}-x{number}")
}

fn arrow(
    (x1, x2, y): (u32, u32, u32),
    label: String,
    title: String,
    href: &str,
    class: String,
) -> Arrow {
    let head = if x2 > x1 {
        format!("{x2},{y} {},{} {},{}", x2 - 9, y - 4, x2 - 9, y + 4)
    } else {
        format!("{x2},{y} {},{} {},{}", x2 + 9, y - 4, x2 + 9, y + 4)
    };
    Arrow {
        x1,
        x2,
        y,
        label_x: x1.midpoint(x2),
        label: cut(&label),
        title,
        href: href.to_string(),
        class,
        head,
    }
}

/// Which party sent `exchange` (see the module comment).
fn party(exchange: &Exchange) -> Party {
    let path = path_and_query(&exchange.url);
    let back_channel_header = exchange.request_headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("authorization")
            || (name.eq_ignore_ascii_case("accept") && value.contains("application/jwk-set+json"))
    });
    let body = exchange.request_body.as_deref().unwrap_or("");
    let back_channel_body = [
        "grant_type=",
        "token=",
        "client_assertion=",
        "client_secret=",
    ]
    .iter()
    .any(|field| body.starts_with(field) || body.contains(&format!("&{field}")));
    let well_known = path.contains("/.well-known/") || path.contains("jwks");
    if back_channel_header || back_channel_body || well_known {
        Party::Client
    } else {
        Party::UserAgent
    }
}

/// The path and query of `url` (the whole text when it does not parse).
fn path_and_query(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let mut shown = parsed.path().to_string();
            if let Some(query) = parsed.query() {
                shown.push('?');
                shown.push_str(query);
            }
            shown
        }
        Err(_) => url.to_string(),
    }
}

/// The parameter names of a redirect, e.g. `?code, state, iss`.
fn query_names(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "(unparsable URL)".into();
    };
    let names: Vec<String> = parsed
        .query_pairs()
        .chain(
            parsed
                .fragment()
                .map(|f| form_urlencoded::parse(f.as_bytes()))
                .into_iter()
                .flatten(),
        )
        .map(|(name, _)| name.into_owned())
        .collect();
    if names.is_empty() {
        parsed.path().to_string()
    } else {
        names.join(", ")
    }
}

/// Whether a redirect from `from` to `to` leaves the server's origin.
fn leaves(from: &str, to: &str) -> bool {
    let (Ok(from), Ok(to)) = (url::Url::parse(from), url::Url::parse(to)) else {
        return false;
    };
    from.origin() != to.origin()
}

fn cut(text: &str) -> String {
    if text.chars().count() <= LABEL {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(LABEL - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(method: &str, url: &str, body: Option<&str>, location: Option<&str>) -> Exchange {
        Exchange {
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: body.map(str::to_string),
            status: Some(if location.is_some() { 302 } else { 200 }),
            response_headers: location
                .map(|l| vec![("location".to_string(), l.to_string())])
                .unwrap_or_default(),
            response_body: None,
            truncated: false,
            elapsed_ms: 1,
            error: None,
            retry: false,
            started_at: None,
            step: None,
            http_version: None,
            request_line: None,
        }
    }

    #[test]
    fn front_and_back_channel_lanes() {
        let authorize = exchange(
            "GET",
            "http://as/authorize?response_type=code",
            None,
            Some("https://client.example/cb?code=[redacted]&state=s"),
        );
        let login = exchange(
            "POST",
            "http://as/login",
            Some("username=a&password=b"),
            None,
        );
        let token = exchange(
            "POST",
            "http://as/token",
            Some("grant_type=authorization_code"),
            None,
        );
        let discovery = exchange(
            "GET",
            "http://as/.well-known/openid-configuration",
            None,
            None,
        );
        assert!(party(&authorize) == Party::UserAgent);
        assert!(party(&login) == Party::UserAgent);
        assert!(party(&token) == Party::Client);
        assert!(party(&discovery) == Party::Client);
        assert!(leaves(&authorize.url, "https://client.example/cb?code=x"));
        assert!(!leaves(&authorize.url, "http://as/login"));
        assert_eq!(query_names("https://c/cb?code=x&state=s"), "code, state");
    }

    #[test]
    fn the_step_that_broke_is_marked_and_links_to_its_evidence() {
        let mut first = exchange(
            "GET",
            "http://as/authorize",
            None,
            Some("https://c/cb?code=x"),
        );
        first.step = Some("s.yaml:3:9".into());
        let mut second = exchange("POST", "http://as/token", Some("grant_type=x"), None);
        second.step = Some("s.yaml:7:9".into());
        let trial = TrialReport {
            name: "t".into(),
            scenario: "t".into(),
            variant: None,
            title: "t".into(),
            suite: "s".into(),
            requirements: Vec::new(),
            level: crate::suite::Level::Must,
            severity: crate::suite::Severity::High,
            refs: Vec::new(),
            outcome: Outcome::Fail,
            message: None,
            location: Some("s.yaml:7:9".into()),
            duration_ms: 1,
            exchanges: vec![first, second],
        };
        let flow = of(&trial, 4).expect("a failing trial has a diagram");
        assert!(flow.step_known);
        let classes: Vec<&str> = flow.arrows.iter().map(|a| a.class.as_str()).collect();
        assert_eq!(
            classes,
            [
                "request",
                "response",
                "redirect",
                "request broken",
                "response broken"
            ]
        );
        assert_eq!(flow.arrows[3].href, "#trial-4-x2");
        assert_eq!(
            flow.arrows[3].x1, LANES[1],
            "the token request is the client's"
        );
        let passing = TrialReport {
            outcome: Outcome::Pass,
            ..trial
        };
        assert!(of(&passing, 4).is_none(), "passing trials get no diagram");
    }
}
