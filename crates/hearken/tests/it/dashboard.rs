//! The dashboard in a real browser: headless Chromium, driven over chromedriver's W3C WebDriver
//! HTTP API, loads the pages of a server seeded with real tweets, checks that the charts and
//! numbers show what was seeded, assigns an inbox item and sees the change persist.
//!
//! Without chromedriver the test is skipped with a message, except under `CI`, where it fails.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hearken_store::Store;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TempDir, TestApp, airline_tweets, config, drained, ingest, within};

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const TWEETS: usize = 300;

#[tokio::test]
async fn dashboard_in_headless_chromium() {
    let Some(driver) = Chromedriver::start() else {
        return;
    };
    let dir = TempDir::new();
    let mut config = config(&dir.sqlite_url());
    config.enrich.enrich = true;
    config.enrich.enrich_batch = 100;
    let mut app = TestApp::spawn(config).await;
    let accepted = ingest(&mut app, airline_tweets(TWEETS)).await;
    assert_eq!(accepted, TWEETS as i64);
    let store = within(Store::connect(&dir.sqlite_url())).await.unwrap();
    drained(&store).await;

    let browser = within(driver.session()).await;
    let base = format!("http://{}", app.http_addr);

    // Overview: the mentions tile and the volume chart add up to what was seeded.
    within(browser.open(&format!("{base}/"))).await;
    let shown = within(browser.text("#kpi-mentions .value")).await;
    assert_eq!(shown.replace(',', ""), TWEETS.to_string());
    let titles = within(browser.script(
        "return [...document.querySelector('svg.line-chart').querySelectorAll('circle.pt title')].map(t => t.textContent)",
    ))
    .await;
    let titles: Vec<&str> = titles
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(!titles.is_empty(), "the volume chart has no points");
    let charted: i64 = titles
        .iter()
        .map(|t| {
            let (_, count) = t.rsplit_once(": ").unwrap();
            count.replace(',', "").parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(charted, TWEETS as i64, "{titles:?}");
    browser
        .screenshot(&artifact("dashboard-screenshot.png"))
        .await;

    // Every page renders with a chart or a table.
    for (path, selector) in [
        ("/map", "svg.heatmap"),
        ("/voices", "svg.stacked-bars"),
        ("/spikes", "svg.line-chart"),
        ("/places", "svg.point-map"),
    ] {
        within(browser.open(&format!("{base}{path}"))).await;
        within(browser.find(selector)).await;
    }

    // An inbox: assign the first row, reload, and the assignee and the audit trail persist.
    within(browser.open(&format!("{base}/"))).await;
    let inbox = within(browser.find(r#"a.chip[href^="/inbox/"]"#)).await;
    within(browser.click(&inbox)).await;
    let row =
        within(browser.script("return document.querySelector('tr[data-id]').dataset.id")).await;
    let id = row.as_str().unwrap().to_owned();
    let actor = within(browser.find("#actor")).await;
    within(browser.clear(&actor)).await;
    within(browser.type_into(&actor, "browser-test")).await;
    let assignee = within(browser.find(&format!("#item-{id} input[name=assignee]"))).await;
    within(browser.type_into(&assignee, "alice")).await;
    let assign = within(browser.find(&format!("#item-{id} button.assign"))).await;
    within(browser.click(&assign)).await;
    within(browser.wait_for_text(&format!("#item-{id} .outcome"), "saved")).await;

    within(browser.refresh()).await;
    let persisted = within(browser.text(&format!("#item-{id} .assignee"))).await;
    assert_eq!(persisted, "alice");
    let history = within(browser.script(&format!(
        "return document.querySelector('#item-{id} ol.history').textContent"
    )))
    .await;
    let history = history.as_str().unwrap();
    assert!(
        history.contains("browser-test") && history.contains("alice"),
        "the audit trail does not show the assignment: {history}"
    );
    browser.screenshot(&artifact("dashboard-inbox.png")).await;

    within(browser.close()).await;
    app.stop().await;
}

/// Where CI collects artifacts: the target directory.
fn artifact(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join(name)
}

/// A chromedriver process on a free port, killed when dropped.
#[derive(Debug)]
struct Chromedriver {
    process: Child,
    addr: SocketAddr,
}

impl Chromedriver {
    /// Starts chromedriver, or returns `None` (outside CI) when it is not installed.
    fn start() -> Option<Self> {
        let binary =
            std::env::var("HEARKEN_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // A port the kernel just handed out and took back: free unless raced, and chromedriver
        // would then fail loudly below.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let spawned = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(process) => Some(Self {
                process,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
            }),
            Err(error) => {
                assert!(
                    std::env::var("CI").is_err(),
                    "CI must have {binary} (run .ci/chromium.sh): {error}"
                );
                eprintln!(
                    "skipping the browser test: cannot run {binary} ({error}); install Debian's chromium and chromium-driver"
                );
                None
            }
        }
    }

    /// Waits for the driver to be ready, then opens a headless Chromium session.
    async fn session(&self) -> Browser {
        loop {
            if let Ok(status) = http(self.addr, "GET", "/status", None).await
                && status["value"]["ready"] == json!(true)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1700"]
        });
        if let Some(binary) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
        {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
        });
        let answer = http(self.addr, "POST", "/session", Some(&capabilities))
            .await
            .unwrap();
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        Browser {
            driver: self.addr,
            session: format!("/session/{id}"),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One WebDriver session.
#[derive(Debug)]
struct Browser {
    driver: SocketAddr,
    session: String,
}

impl Browser {
    async fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("{}{path}", self.session);
        let answer = http(self.driver, method, &path, body).await.unwrap();
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!(
                "{method} {path}: {error}: {}",
                answer["value"]["message"].as_str().unwrap_or_default()
            );
        }
        answer["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.command("POST", "/url", Some(&json!({ "url": url })))
            .await;
    }

    async fn refresh(&self) {
        self.command("POST", "/refresh", Some(&json!({}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .command(
                "POST",
                "/element",
                Some(&json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let text = self
            .command("GET", &format!("/element/{element}/text"), None)
            .await;
        text.as_str().unwrap().to_owned()
    }

    async fn click(&self, element: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )
        .await;
    }

    async fn clear(&self, element: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/clear"),
            Some(&json!({})),
        )
        .await;
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        )
        .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
        .await
    }

    /// Waits until the element's text is `expected`: the page updates after its fetch returns.
    async fn wait_for_text(&self, css: &str, expected: &str) {
        loop {
            let text = self.text(css).await;
            if text == expected {
                return;
            }
            assert!(
                !text.starts_with("not saved"),
                "the page reports a failure: {text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn screenshot(&self, path: &std::path::Path) {
        let png = within(self.command("GET", "/screenshot", None)).await;
        let png = base64_decode(png.as_str().unwrap());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
        eprintln!("screenshot saved to {}", path.display());
    }

    async fn close(&self) {
        self.command("DELETE", "", None).await;
    }
}

impl Drop for Browser {
    /// Ends the session even when an assertion failed: chromedriver's exit alone leaves the
    /// browser running. Blocking, since drop cannot await; a second delete is harmless.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if let Ok(mut stream) = std::net::TcpStream::connect(self.driver) {
            let request = format!(
                "DELETE {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.session, self.driver
            );
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read(&mut [0u8; 512]);
        }
    }
}

/// One HTTP/1.1 exchange with chromedriver on loopback: enough of a client for WebDriver,
/// which answers with a Content-Length and may keep the connection open.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<Value> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::Error::other(
                "connection closed before the answer ended",
            ));
        }
        response.extend_from_slice(&buffer[..read]);
        let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .ok_or_else(|| std::io::Error::other(format!("no content-length in {head}")))?;
        if response.len() >= split + 4 + length {
            let payload = &response[split + 4..split + 4 + length];
            return serde_json::from_slice(payload).map_err(std::io::Error::other);
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| {
            acc | u32::from(value(*c)) << (18 - 6 * i)
        });
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn decodes_base64() {
    assert_eq!(base64_decode("aGVhcmtlbg=="), b"hearken");
    assert_eq!(base64_decode("aGVhcmtlbiE="), b"hearken!");
    assert_eq!(base64_decode("aGVh"), b"hea");
}

/// One plain HTTP/1.1 exchange with the dashboard: the status line and headers, and the body.
pub(crate) async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: hearken\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// The value a response sets cookie `name` to.
fn set_cookie<'a>(response: &'a str, name: &str) -> &'a str {
    let prefix = format!("set-cookie: {name}=");
    let line = response
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {name} cookie in {response}"));
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    line[prefix.len()..].split(';').next().unwrap()
}

/// A POST from another site (no CSRF token, or one not matching the cookie) changes nothing,
/// with or without sign-in.
#[tokio::test]
async fn cross_site_posts_are_refused() {
    let dir = TempDir::new();
    let app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let note = r#"{"note": "forged"}"#;
    let json = "Content-Type: application/json\r\n";
    let forged = within(exchange(app.http_addr, "POST", "/api/inbox/1", json, note)).await;
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    assert!(forged.contains("CSRF"), "{forged}");
    let page = within(exchange(app.http_addr, "GET", "/inbox/pr", "", "")).await;
    let csrf = set_cookie(&page, "hearken_csrf");
    assert!(
        page.contains(&format!(r#"id="csrf" value="{csrf}""#)),
        "{page}"
    );
    let wrong = format!("{json}Cookie: hearken_csrf={csrf}\r\nX-CSRF-Token: not-{csrf}\r\n");
    let forged = within(exchange(
        app.http_addr,
        "POST",
        "/api/inbox/1",
        &wrong,
        note,
    ))
    .await;
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    // With the page's token the call reaches the report service, which has no such item.
    let right = format!("{json}Cookie: hearken_csrf={csrf}\r\nX-CSRF-Token: {csrf}\r\n");
    let honest = within(exchange(
        app.http_addr,
        "POST",
        "/api/inbox/1",
        &right,
        note,
    ))
    .await;
    assert!(honest.starts_with("HTTP/1.1 404"), "{honest}");
    app.stop().await;
}

/// With tokens required, pages send a visitor to sign in; the token then rides in an HttpOnly
/// cookie and the report service decides what it may see.
#[tokio::test]
async fn signing_in_with_a_token() {
    use hearken::auth::{Scope, entry, mint};

    let dir = TempDir::new();
    let (reader, support) = (mint().unwrap(), mint().unwrap());
    let mut config = config(&dir.sqlite_url());
    config.access.tokens = Some(format!(
        "{}{}",
        entry("reader", &reader, &[Scope::Read], &[]),
        entry(
            "support",
            &support,
            &[Scope::Read],
            &["customer_service".into()]
        )
    ));
    let app = TestApp::spawn(config).await;
    let addr = app.http_addr;
    let anonymous = within(exchange(addr, "GET", "/", "", "")).await;
    assert!(anonymous.starts_with("HTTP/1.1 303"), "{anonymous}");
    assert!(
        anonymous.to_ascii_lowercase().contains("location: /login"),
        "{anonymous}"
    );

    let form = within(exchange(addr, "GET", "/login", "", "")).await;
    let csrf = set_cookie(&form, "hearken_csrf").to_owned();
    let sign_in = |token: String| {
        let headers = format!(
            "Content-Type: application/x-www-form-urlencoded\r\nCookie: hearken_csrf={csrf}\r\n"
        );
        let body = format!("csrf={csrf}&token={token}");
        async move { exchange(addr, "POST", "/login", &headers, &body).await }
    };
    let refused = within(sign_in("hk_wrong".into())).await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    assert!(refused.contains("unknown token"), "{refused}");
    let accepted = within(sign_in(support.clone())).await;
    assert!(accepted.starts_with("HTTP/1.1 303"), "{accepted}");
    assert_eq!(set_cookie(&accepted, "hearken_token"), support);
    let cookie = format!("Cookie: hearken_token={support}\r\n");

    let overview = within(exchange(addr, "GET", "/", &cookie, "")).await;
    assert!(overview.starts_with("HTTP/1.1 200"), "{overview}");
    let own = within(exchange(
        addr,
        "GET",
        "/inbox/customer_service",
        &cookie,
        "",
    ))
    .await;
    assert!(own.starts_with("HTTP/1.1 200"), "{own}");
    let other = within(exchange(addr, "GET", "/inbox/pr", &cookie, "")).await;
    assert!(other.starts_with("HTTP/1.1 403"), "{other}");
    // A program may send the token as a bearer instead.
    let bearer = format!("Authorization: Bearer {reader}\r\n");
    let page = within(exchange(addr, "GET", "/inbox/pr", &bearer, "")).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    app.stop().await;
}
