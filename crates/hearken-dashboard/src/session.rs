//! Who is looking, and forged-request protection.
//!
//! When the server requires tokens, a person signs in once with theirs: it is kept in an
//! HttpOnly, SameSite=Strict cookie (Secure under https) and sent as the bearer of every call
//! the dashboard makes to the report service, which decides what the token may see. A program
//! may send `Authorization: Bearer TOKEN` instead.
//!
//! Every form and inbox action carries a CSRF token, checked against a cookie of the same
//! value (double submit): another site can neither read the token nor send the cookie
//! (SameSite=Strict), so a cross-site POST changes nothing, whether or not tokens are required.

use axum::extract::FromRequestParts;
use axum::http::header::InvalidHeaderValue;
use axum::http::header::{AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hearken_proto::v1 as pb;
use tonic::Code;

use crate::Dashboard;
use crate::filters::Filters;
use crate::html::escape;
use crate::layout::page;

const TOKEN_COOKIE: &str = "hearken_token";
const CSRF_COOKIE: &str = "hearken_csrf";
/// The header the inbox actions send the CSRF token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// A request's view of the dashboard: the report client carrying the caller's token, and the
/// request's CSRF token.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) dashboard: Dashboard,
    /// The CSRF token to embed in forms; set as a cookie too when `new_csrf`.
    pub(crate) csrf: String,
    new_csrf: bool,
    /// The token came in an Authorization header, which no other site can make a browser send.
    by_header: bool,
}

impl FromRequestParts<Dashboard> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        dashboard: &Dashboard,
    ) -> Result<Self, Response> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_owned());
        let by_header = bearer.is_some();
        let token = bearer.or_else(|| cookie(&parts.headers, TOKEN_COOKIE));
        if dashboard.login_required && token.is_none() && parts.uri.path() != "/login" {
            return Err(to_login());
        }
        let (csrf, new_csrf) = match cookie(&parts.headers, CSRF_COOKIE) {
            Some(csrf) if !csrf.is_empty() => (csrf, false),
            _ => (uuid::Uuid::new_v4().simple().to_string(), true),
        };
        Ok(Session {
            dashboard: dashboard.with_token(token.as_deref()),
            csrf,
            new_csrf,
            by_header,
        })
    }
}

impl Session {
    /// The refusal of a state-changing request whose CSRF token is missing or not the
    /// cookie's; `None` when the request may go on.
    pub(crate) fn csrf_refusal(&self, sent: Option<&str>) -> Option<Response> {
        if self.by_header || (!self.new_csrf && sent == Some(self.csrf.as_str())) {
            return None;
        }
        let message = "missing or stale CSRF token: reload the page and try again";
        tracing::info!("refused a POST without the page's CSRF token");
        Some((StatusCode::FORBIDDEN, Html(error_page(message))).into_response())
    }

    /// `response` with the CSRF cookie set, when this request brought none.
    pub(crate) fn respond(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if self.new_csrf
            && let Ok(value) = set_cookie(&self.dashboard, CSRF_COOKIE, &self.csrf)
        {
            response.headers_mut().append(SET_COOKIE, value);
        }
        response
    }
}

/// A `Set-Cookie` value that keeps `value` from scripts and other sites, and off plain http
/// when the dashboard is served over https.
fn set_cookie(
    dashboard: &Dashboard,
    name: &str,
    value: &str,
) -> Result<HeaderValue, InvalidHeaderValue> {
    let secure = match dashboard.secure_cookies {
        true => "; Secure",
        false => "",
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
}

/// The value of cookie `name`, if the request sent it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn to_login() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response()
}

fn error_page(message: &str) -> String {
    page(
        "Error",
        "",
        &Filters::default(),
        &format!(r#"<p class="error">{}</p>"#, escape(message)),
    )
}

fn login_page(csrf: &str, message: &str) -> String {
    let message = match message.is_empty() {
        true => String::new(),
        false => format!(r#"<p class="error">{}</p>"#, escape(message)),
    };
    page(
        "Sign in",
        "",
        &Filters::default(),
        &format!(
            r#"<section class="card">{message}<form class="filters" method="post" action="/login"><input type="hidden" name="csrf" value="{}"><label>token<input type="password" name="token" autocomplete="current-password" required></label><button type="submit">Sign in</button></form><p class="muted">A token with the read scope, from whoever runs this server (<code>hearken token new</code>).</p></section>"#,
            escape(csrf)
        ),
    )
}

/// `GET /login`: the sign-in form.
pub(crate) async fn login_form(session: Session) -> Response {
    let html = Html(login_page(&session.csrf, ""));
    session.respond(html)
}

/// `POST /login`: checks the token with the report service and keeps it in a cookie.
pub(crate) async fn login(session: Session, body: axum::body::Bytes) -> Response {
    let mut token = String::new();
    let mut csrf = String::new();
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "token" => token = value.trim().to_owned(),
            "csrf" => csrf = value.into_owned(),
            _ => {}
        }
    }
    if let Some(refusal) = session.csrf_refusal(Some(&csrf)) {
        return refusal;
    }
    let probe = session
        .dashboard
        .with_token(Some(&token))
        .report
        .list_alert_rules(pb::ListAlertRulesRequest {})
        .await;
    let refused = match probe {
        Ok(_) => None,
        Err(status) if status.code() == Code::Unauthenticated => Some("unknown token"),
        Err(status) if status.code() == Code::PermissionDenied => {
            Some("this token lacks the read scope the dashboard needs")
        }
        Err(status) => {
            tracing::error!(error = %status, "cannot check a dashboard sign-in");
            Some("the report service did not answer; see the server log")
        }
    };
    if let Some(message) = refused {
        let html = Html(login_page(&session.csrf, message));
        return session.respond((StatusCode::UNAUTHORIZED, html));
    }
    let Ok(cookie) = set_cookie(&session.dashboard, TOKEN_COOKIE, &token) else {
        let html = Html(login_page(&session.csrf, "a token is visible ASCII only"));
        return session.respond((StatusCode::BAD_REQUEST, html));
    };
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, HeaderValue::from_static("/")),
            (SET_COOKIE, cookie),
        ],
    )
        .into_response()
}
