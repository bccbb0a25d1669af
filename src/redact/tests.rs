//! The redactor's tests: every spelling of a known value, every masking
//! by name, and odd text that must not panic.

use super::*;

fn redactor_with(secrets: &[&str]) -> Redactor {
    let r = Redactor::new();
    for s in secrets {
        r.add(s);
    }
    r
}

#[test]
fn known_values_are_masked_in_every_spelling() {
    let r = redactor_with(&["s3cret pass/word&more"]);
    let text = "raw s3cret pass/word&more form s3cret+pass%2Fword%26more \
                pct s3cret%20pass%2Fword%26more lower s3cret%20pass%2fword%26more \
                html s3cret pass/word&amp;more";
    let masked = r.text(text);
    assert!(!masked.contains("s3cret"), "{masked}");
    assert_eq!(masked.matches(MASK).count(), 5, "{masked}");
}

#[test]
fn basic_credentials_cover_form_encoded_raw_unpadded_and_url_safe() {
    use base64::Engine as _;
    let all = basic_credentials("app id", "s3cret/pass+word?");
    let standard = base64::engine::general_purpose::STANDARD;
    let form = standard.encode("app+id:s3cret%2Fpass%2Bword%3F");
    let raw = standard.encode("app id:s3cret/pass+word?");
    for expected in [&form, &raw] {
        assert!(all.contains(expected), "{expected} missing from {all:?}");
        let url = expected.replace('+', "-").replace('/', "_");
        assert!(all.contains(&url.trim_end_matches('=').to_string()));
    }
}

#[test]
fn an_echoed_authorization_credential_is_masked_in_every_encoding() {
    use base64::Engine as _;
    let r = Redactor::new();
    // A credential with `+`, `/` and padding, as base64 makes them.
    let credential = base64::engine::general_purpose::STANDARD.encode("app:>>>???>>>?");
    assert!(credential.contains('+') && credential.contains('/'));
    let masked = r.headers(&[("Authorization".into(), format!("Basic {credential}"))]);
    assert_eq!(masked[0].1, format!("Basic {MASK}"));
    let json = format!(
        "{{\"error_description\":\"got Basic {}\"}}",
        credential.replace('/', "\\/")
    );
    let form: String = form_urlencoded::byte_serialize(credential.as_bytes()).collect();
    for text in [
        format!("echo: {credential}"),
        json,
        format!("http://as/err?error_description=Basic%20{form}"),
        format!("x={form}"),
        format!("unpadded {}", credential.trim_end_matches('=')),
    ] {
        let shown = r.body("application/json", &text);
        assert!(!shown.contains(credential.trim_end_matches('=')), "{shown}");
        assert!(!shown.contains(&form[..form.len() - 3]), "{shown}");
    }
}

#[test]
fn short_values_and_parts_of_the_mask_are_ignored() {
    let r = redactor_with(&["abc", "dact"]);
    assert_eq!(r.text("abc dact"), "abc dact");
    assert_eq!(r.text(MASK), MASK);
}

#[test]
fn longer_secret_wins_over_its_prefix() {
    let r = redactor_with(&["token", "token-and-more"]);
    assert_eq!(r.text("x token-and-more y"), format!("x {MASK} y"));
}

#[test]
fn url_masks_sensitive_query_and_fragment_parameters_only() {
    let r = Redactor::new();
    let url = "http://c.example/cb?state=xyz&code=SplxlOB&iss=http%3A%2F%2Fas#access_token=abc.def&token_type=Bearer";
    assert_eq!(
        r.url(url),
        format!(
            "http://c.example/cb?state=xyz&code={MASK}&iss=http%3A%2F%2Fas#access_token={MASK}&token_type=Bearer"
        )
    );
    // Names that merely contain a sensitive word are left alone.
    let url =
        "/auth?response_type=code&code_challenge=abc&error_code=x&token_type_hint=refresh_token";
    assert_eq!(r.url(url), url);
}

#[test]
fn url_masks_userinfo_password_and_known_values() {
    let r = redactor_with(&["learned-code-123"]);
    assert_eq!(
        r.url("https://app:pw@as.example/x?v=learned-code-123"),
        format!("https://app:{MASK}@as.example/x?v={MASK}")
    );
}

#[test]
fn headers_mask_credentials_and_cookies_by_name() {
    let r = Redactor::new();
    let headers: Vec<(String, String)> = [
        ("authorization", "Basic aGFybmVzczpzZWNyZXQ="),
        ("Proxy-Authorization", "opaque"),
        ("cookie", "_session=abc; _session.sig=def"),
        (
            "set-cookie",
            "_interaction=xyz; path=/interaction/u1; httponly",
        ),
        ("location", "http://c/cb?code=abc&state=s"),
        ("x-auth-token", "abc"),
        ("content-type", "text/html"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let masked = r.headers(&headers);
    let values: Vec<&str> = masked.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        values,
        [
            format!("Basic {MASK}").as_str(),
            MASK,
            format!("_session={MASK}; _session.sig={MASK}").as_str(),
            format!("_interaction={MASK}; path=/interaction/u1; httponly").as_str(),
            format!("http://c/cb?code={MASK}&state=s").as_str(),
            MASK,
            "text/html",
        ]
    );
}

#[test]
fn form_bodies_mask_sensitive_fields() {
    let r = Redactor::new();
    let body = "grant_type=authorization_code&code=abc%2Fdef&redirect_uri=http%3A%2F%2Fc%2Fcb&client_secret=s+e&code_verifier=v";
    assert_eq!(
        r.body("application/x-www-form-urlencoded", body),
        format!(
            "grant_type=authorization_code&code={MASK}&redirect_uri=http%3A%2F%2Fc%2Fcb&client_secret={MASK}&code_verifier={MASK}"
        )
    );
}

#[test]
fn json_bodies_mask_sensitive_members_and_keep_formatting() {
    let r = Redactor::new();
    let body = "{\n  \"access_token\": \"at\\\"x\",\n  \"token_type\":\"Bearer\",\"expires_in\":3600,\n  \"refresh_token\" : \"rt\", \"code\": 1234, \"nested\": {\"id_token\": \"a.b.c\"}\n}";
    let masked = r.body("application/json; charset=utf-8", body);
    assert_eq!(
        masked,
        format!(
            "{{\n  \"access_token\": \"{MASK}\",\n  \"token_type\":\"Bearer\",\"expires_in\":3600,\n  \"refresh_token\" : \"{MASK}\", \"code\": {MASK}, \"nested\": {{\"id_token\": \"{MASK}\"}}\n}}"
        )
    );
}

#[test]
fn truncated_json_is_still_masked() {
    let r = Redactor::new();
    assert_eq!(
        r.body("application/json", "{\"access_token\":\"abcdef"),
        format!("{{\"access_token\":\"{MASK}")
    );
}

#[test]
fn html_bodies_mask_hidden_inputs_and_embedded_urls() {
    let r = Redactor::new();
    let page = r#"<form method="post" action="http://c/cb"><input type="hidden" name="code" value="abc"/><INPUT name='state' value='s'><input value=xyz name=id_token></form><a href="/cb?x=1&amp;code=zz">next</a>"#;
    let masked = r.body("text/html", page);
    assert_eq!(
        masked,
        format!(
            r#"<form method="post" action="http://c/cb"><input type="hidden" name="code" value="{MASK}"/><INPUT name='state' value='s'><input value={MASK} name=id_token></form><a href="/cb?x=1&amp;code={MASK}">next</a>"#
        )
    );
}

#[test]
fn messages_mask_parameters_and_known_values() {
    let r = redactor_with(&["hunter22"]);
    assert_eq!(
        r.message("request to `http://c/cb?code=abc` failed; password hunter22"),
        format!("request to `http://c/cb?code={MASK}` failed; password {MASK}")
    );
}

#[test]
fn masking_never_panics_on_odd_text() {
    let r = redactor_with(&["ünïcode-secret"]);
    for text in [
        "",
        "code=",
        "\"code\":",
        "<input name=code value=",
        "{\"code\"",
        "é=code=é",
        "http://a:b@",
        "%",
        "%é",
    ] {
        let _ = r.url(text);
        let _ = r.body("application/json", text);
        let _ = r.body("text/html", text);
        let _ = r.message(text);
    }
    assert_eq!(r.text("x ünïcode-secret"), format!("x {MASK}"));
}
