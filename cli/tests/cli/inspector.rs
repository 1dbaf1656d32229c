//! `listen`'s inspector page (driven in headless Chromium), forwarding to an app,
//! recording, keys from the environment, and bodies over the limit.
//!
//! The browser test needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`; `CHROMEDRIVER` and `CHROMIUM` name others); without them it
//! fails saying so, unless `LAGO_WEBHOOKS_SKIP_BROWSER=1`. It speaks WebDriver itself over
//! HTTP (a dozen commands) rather than through a client crate, which would add some twenty
//! crates to this test binary's build.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve_until};
use lago_webhooks::verify::Verifier;
use lago_webhooks::{AsyncWebhookHandler, Customer, Delivery, Fee, HandlerResult, Invoice, WebhookType};
use serde_json::{Value, json};

use super::*;

/// How many times a condition is looked at, 50 ms apart, before a test gives up on it:
/// a guard against hanging, not a measure of speed.
const PATIENCE: usize = 1200;

/// Polls `probe` until it gives a value; panics naming `what` if it never does.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..PATIENCE {
        if let Some(value) = probe() {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("gave up waiting for {what}");
}

/// `listen` running with its inspector page on a free port.
struct Listening {
    process: Running,
    /// The endpoint's URL.
    url: String,
    /// The page's URL.
    page: String,
    /// Reads what it prints after its addresses, so that it never blocks on a full pipe
    /// nor ends for a reader gone.
    printed: std::thread::JoinHandle<Vec<String>>,
}

impl Listening {
    /// Stops it; what it printed after its addresses.
    fn stop(self) -> Vec<String> {
        drop(self.process);
        self.printed.join().unwrap()
    }
}

/// The variables `listen` and `trigger` read keys from: cleared for every command these
/// tests run, so that a developer's own cannot change what it does.
const KEY_VARIABLES: [&str; 4] = ["LAGO_HMAC_KEY", "LAGO_PUBLIC_KEY", "LAGO_ISSUER", "LAGO_FORWARD_HMAC_KEY"];

/// The binary run with `args`, without the keys' environment variables.
fn lago(args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    for variable in KEY_VARIABLES {
        command.env_remove(variable);
    }
    command.output().expect("the binary runs")
}

/// `listen` with the inspector page on a free port, the keys' environment variables
/// cleared then set from `env`.
fn listen_with_page(options: &[&str], env: &[(&str, &str)]) -> Listening {
    let mut command = Command::new(BIN);
    command.args(["listen", "--port", "0", "--ui-port", "0"]).args(options).stdout(Stdio::piped());
    for variable in KEY_VARIABLES {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let process = Running(child);
    let mut next = || lines.next().expect("listen prints its addresses").unwrap();
    let url = next().strip_prefix("listening on ").expect("listen says where").to_owned();
    let page = next().strip_prefix("inspector on ").expect("listen says where its page is").to_owned();
    let printed = std::thread::spawn(move || lines.map_while(Result::ok).collect());
    Listening { process, url, page, printed }
}

/// One HTTP/1.1 exchange: the status and the body.
fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) =
        rest.split_once('/').map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let mut stream = TcpStream::connect(authority).unwrap();
    let given = |header: &str| headers.iter().any(|(name, _)| name.eq_ignore_ascii_case(header));
    let mut request = format!("{method} {path} HTTP/1.1\r\nconnection: close\r\n");
    if !given("host") {
        request.push_str(&format!("host: {authority}\r\n"));
    }
    if !given("content-length") {
        request.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    // Read by the answer's framing: chromedriver keeps the connection open.
    let mut answer = Vec::new();
    let mut buffer = [0; 8192];
    let complete = |answer: &[u8]| {
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let length =
            head.lines().find_map(|line| line.strip_prefix("content-length:")?.trim().parse::<usize>().ok());
        let done = match length {
            Some(length) => answer.len() >= split + 4 + length,
            None if head.contains("transfer-encoding: chunked") => answer.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        done.then_some(split)
    };
    let split = loop {
        if let Some(split) = complete(&answer) {
            break split;
        }
        let read = stream.read(&mut buffer).unwrap();
        if read == 0 {
            break answer.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
        }
        answer.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let mut content = answer[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        content = dechunked(&content);
    }
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, content)
}

fn dechunked(mut body: &[u8]) -> Vec<u8> {
    let mut content = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        content.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 4 + size..];
    }
    content
}

fn get_json(url: &str) -> Value {
    let (status, body) = http("GET", url, &[], b"");
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// The page's deliveries, from its JSON API.
fn deliveries(page: &str) -> Vec<Value> {
    get_json(&format!("{page}api/deliveries"))["deliveries"].as_array().unwrap().clone()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

fn base64_decode(text: &str) -> Vec<u8> {
    let (mut bytes, mut bits, mut count) = (Vec::new(), 0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let value = BASE64.iter().position(|b| *b == c).expect("Base64") as u32;
        bits = bits << 6 | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    bytes
}

#[test]
fn base64_round_trips() {
    for text in ["", "a", "ab", "abc", "abcd", "-----BEGIN PUBLIC KEY-----\n"] {
        assert_eq!(base64_decode(&base64_encode(text.as_bytes())), text.as_bytes());
    }
    assert_eq!(base64_encode(b"ab"), "YWI=");
}

/// A WebDriver session, spoken to over HTTP, with the chromedriver it runs on.
struct Browser {
    base: String,
    session: String,
    _driver: Running,
}

/// The key W3C WebDriver names elements by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Headless Chromium through a chromedriver started on a free port, or `None` when
    /// chromedriver is missing and `LAGO_WEBHOOKS_SKIP_BROWSER=1`.
    fn start() -> Option<Browser> {
        let driver = std::env::var_os("CHROMEDRIVER")
            .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
        if !driver.exists() {
            if std::env::var("LAGO_WEBHOOKS_SKIP_BROWSER").as_deref() == Ok("1") {
                eprintln!("skipped: {} is missing and LAGO_WEBHOOKS_SKIP_BROWSER=1", driver.display());
                return None;
            }
            panic!(
                "the inspector's browser test needs chromedriver ({} is missing): install Debian's \
                 chromium and chromium-driver (apt-get install -y chromium chromium-driver), set \
                 CHROMEDRIVER to another, or set LAGO_WEBHOOKS_SKIP_BROWSER=1 to skip it",
                driver.display()
            );
        }
        // Port 0: chromedriver binds a free port itself and says which, so that no other
        // test can take it between a choice and a bind.
        let mut process = Command::new(&driver)
            .args(["--port=0", "--allowed-ips=127.0.0.1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", driver.display()));
        let lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let driver = Running(process);
        // Every line it prints, read on a thread (so that it never blocks on a full pipe),
        // and the port looked for in them: a wording this test does not know fails it,
        // instead of waiting on a driver that keeps running.
        let (sent, printed) = std::sync::mpsc::channel();
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| drop(sent.send(line))));
        let mut seen = Vec::new();
        // `ChromeDriver was started successfully on port 35869.`
        let port: u16 = loop {
            let line = printed
                .recv_timeout(std::time::Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("chromedriver never said its port; it printed {seen:#?}"));
            let port = line
                .split("started successfully on port ")
                .nth(1)
                .map(|rest| rest.trim_end_matches('.').parse());
            if let Some(Ok(port)) = port {
                break port;
            }
            seen.push(line);
        };
        let base = format!("http://127.0.0.1:{port}");
        wait_for("chromedriver to be ready", || {
            TcpStream::connect(("127.0.0.1", port)).ok()?;
            let (_, body) = http("GET", &format!("{base}/status"), &[], b"");
            let status: Value = serde_json::from_slice(&body).ok()?;
            status["value"]["ready"].as_bool().filter(|ready| *ready)
        });
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut options = json!({
            // No sandbox: tests may run as root, where Chromium's sandbox refuses to start.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
        });
        if Path::new(&binary).exists() {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let mut browser = Browser { base, session: String::new(), _driver: driver };
        let created = browser.command("POST", "/session", &capabilities);
        browser.session = created["sessionId"].as_str().expect("a session").to_owned();
        Some(browser)
    }

    /// One WebDriver command; its `value`.
    fn command(&self, method: &str, path: &str, body: &Value) -> Value {
        let path =
            if path == "/session" { path.to_owned() } else { format!("/session/{}{path}", self.session) };
        let body = if method == "GET" { Vec::new() } else { serde_json::to_vec(body).unwrap() };
        let (status, answer) =
            http(method, &format!("{}{path}", self.base), &[("content-type", "application/json")], &body);
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(status, 200, "WebDriver {method} {path}: {answer}");
        answer["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.command("POST", "/url", &json!({ "url": url }));
    }

    /// Runs `script` in the page (a function body; `arguments` holds `args`).
    fn run(&self, script: &str, args: &[Value]) -> Value {
        self.command("POST", "/execute/sync", &json!({ "script": script, "args": args }))
    }

    /// The first element `css` selects, once there is one.
    fn element(&self, css: &str) -> String {
        let script = "return document.querySelector(arguments[0]) !== null";
        wait_for(&format!("an element `{css}`"), || self.run(script, &[json!(css)]).as_bool().filter(|b| *b));
        let found = self.command("POST", "/element", &json!({"using": "css selector", "value": css}));
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    fn click(&self, css: &str) {
        let element = self.element(css);
        self.command("POST", &format!("/element/{element}/click"), &json!({}));
    }

    /// The number of elements `css` selects that are shown.
    fn shown(&self, css: &str) -> usize {
        let script = "return [...document.querySelectorAll(arguments[0])].filter(e => e.getClientRects().length > 0).length";
        self.run(script, &[json!(css)]).as_u64().unwrap() as usize
    }

    fn screenshot(&self, file: &Path) {
        let png = self.command("GET", "/screenshot", &Value::Null);
        std::fs::write(file, base64_decode(png.as_str().unwrap())).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = std::panic::catch_unwind(|| http("DELETE", &url, &[], b""));
        }
    }
}

/// The example of `kind` with one value its spec forbids: an invoice status that is not
/// one of `InvoiceStatus`, at `/invoice/status`.
fn invoice_with_unknown_status() -> String {
    let mut invoice: Value = serde_json::from_str(WebhookType::InvoiceCreated.example()).unwrap();
    invoice["invoice"]["status"] = json!("on_hold_forever");
    serde_json::to_string(&invoice).unwrap()
}

#[test]
fn the_inspector_page_shows_deliveries_as_they_come_with_violations_filters_and_replay() {
    let Some(browser) = Browser::start() else { return };
    let listen = listen_with_page(&["--hmac-key", "page-key"], &[]);
    let (url, page) = (listen.url.clone(), listen.page.clone());
    browser.goto(&page);
    browser.element("#connection[data-state=live]");
    assert_eq!(browser.shown(".delivery"), 0);

    let sent = lago(&["trigger", "fee.created", "customer.created", "--url", &url, "--hmac-key", "page-key"]);
    assert!(sent.status.success(), "{}", stdout(&sent));
    let dir = scratch("inspector-page");
    let broken = dir.join("invoice-unknown-status.json");
    std::fs::write(&broken, invoice_with_unknown_status()).unwrap();
    let sent =
        lago(&["trigger", "--url", &url, "--hmac-key", "page-key", "--payload", broken.to_str().unwrap()]);
    assert!(sent.status.success(), "{}", stdout(&sent));

    // Three rows, without a reload, newest first.
    wait_for("three rows", || (browser.shown(".delivery") == 3).then_some(()));
    // trigger sends its types at once: they may come in either order, but the invoice,
    // sent after them, is on top.
    let rows = browser.run(
        "return [...document.querySelectorAll('.delivery')].map(r => [Number(r.dataset.id), r.dataset.type])",
        &[],
    );
    let rows: Vec<(u64, String)> = serde_json::from_value(rows).unwrap();
    assert_eq!(rows.iter().map(|row| row.0).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(rows[0].1, "invoice.created");
    let mut others = [rows[1].1.as_str(), rows[2].1.as_str()];
    others.sort();
    assert_eq!(others, ["customer.created", "fee.created"]);
    let signatures = browser
        .run("return [...document.querySelectorAll('.delivery .signature')].map(s => s.textContent)", &[]);
    assert_eq!(signatures, json!(["hmac verified", "hmac verified", "hmac verified"]));

    // The violation, in the tree at its pointer and in the list.
    let invoice = ".delivery[data-type='invoice.created']";
    assert_eq!(
        browser.run(&format!("return document.querySelector(\"{invoice}\").dataset.violations"), &[]),
        json!("1")
    );
    browser.click(&format!("{invoice} > summary"));
    let marked = format!("{invoice} .tree [data-pointer='/invoice/status'].violation");
    browser.element(&marked);
    let note =
        browser.run(&format!("return document.querySelector(\"{marked} .violation-note\").textContent"), &[]);
    assert!(note.as_str().unwrap().contains("`on_hold_forever` is not a value of InvoiceStatus"), "{note}");
    assert_eq!(browser.shown(&format!("{invoice} .violations li[data-pointer='/invoice/status']")), 1);
    let raw = browser.run(&format!("return document.querySelector(\"{invoice} .raw\").textContent"), &[]);
    assert_eq!(raw.as_str().unwrap(), std::fs::read_to_string(&broken).unwrap());
    // Save gives the body back as it came.
    let save = browser.run(&format!("return document.querySelector(\"{invoice} a.save\").href"), &[]);
    let (status, saved) = http("GET", save.as_str().unwrap(), &[], b"");
    assert_eq!((status, saved), (200, std::fs::read(&broken).unwrap()));
    browser.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspector-laptop.png"));

    // A delivery whose signature fails, naming a type of 300 characters: refused with
    // 401, shown, and never replayable.
    let forged = json!({"webhook_type": format!("forged.{}", "x".repeat(300))}).to_string();
    let forged_headers = [
        ("content-type", "application/json"),
        ("x-lago-signature", "bm90IHRoZSBzaWduYXR1cmU="),
        ("x-lago-signature-algorithm", "hmac"),
        ("x-lago-unique-key", "forged-1"),
    ];
    assert_eq!(http("POST", &url, &forged_headers, forged.as_bytes()).0, 401);
    wait_for("the refused row", || (browser.shown(".delivery") == 4).then_some(()));
    let refused = ".delivery[data-status='401']";
    assert_eq!(
        browser.run(&format!("return document.querySelector(\"{refused}\").dataset.id"), &[]),
        json!("4")
    );
    browser.click(&format!("{refused} > summary"));
    let disabled = format!("return document.querySelector(\"{refused} button.replay\").disabled");
    assert_eq!(browser.run(&disabled, &[]), json!(true));
    // listen cuts the type it reads from a refused body (128 characters and `…`), and the
    // page its option's text (80 and `…`).
    let options = browser.run(
        "return [...document.querySelectorAll('#filter-type option')].map(o => [o.value, o.textContent])",
        &[],
    );
    let options: Vec<(String, String)> = serde_json::from_value(options).unwrap();
    let (value, text) =
        options.iter().find(|(value, _)| value.starts_with("forged.")).expect("an option for it");
    assert_eq!((value.chars().count(), text.chars().count()), (129, 81));

    // The type filter hides the others, and shows them again.
    browser.click("#filter-type option[value='fee.created']");
    wait_for("the filter", || (browser.shown(".delivery") == 1).then_some(()));
    assert_eq!(browser.shown(".delivery[data-type='fee.created']"), 1);
    browser.click("#filter-type option[value='']");
    wait_for("no filter", || (browser.shown(".delivery") == 4).then_some(()));
    // The status filter shows the three answered 200, then only the refused one.
    browser.click("#filter-status option[value='200']");
    wait_for("the 200s", || (browser.shown(".delivery") == 3).then_some(()));
    assert_eq!(browser.shown(".delivery[data-status='200']"), 3);
    browser.click("#filter-status option[value='401']");
    wait_for("the 401", || (browser.shown(".delivery") == 1).then_some(()));
    assert_eq!(browser.shown(refused), 1);
    browser.click("#filter-status option[value='']");
    wait_for("no filter", || (browser.shown(".delivery") == 4).then_some(()));

    // Replay: a fifth row, the same body under a new key, verified again.
    let fee = ".delivery[data-type='fee.created']";
    browser.click(&format!("{fee} > summary"));
    browser.click(&format!("{fee} button.replay"));
    wait_for("the replayed row", || (browser.shown(".delivery") == 5).then_some(()));
    let newest = browser.run("return document.querySelector('.delivery').dataset.type", &[]);
    assert_eq!(newest, json!("fee.created"));
    let kept = deliveries(&page);
    let first = kept.iter().find(|entry| entry["webhook_type"] == "fee.created").unwrap();
    let replayed = &kept[4];
    assert_eq!(
        (&first["webhook_type"], &replayed["webhook_type"]),
        (&json!("fee.created"), &json!("fee.created"))
    );
    assert_eq!(replayed["body"], first["body"]);
    assert!(replayed["unique_key"].as_str().unwrap().starts_with("replay-"), "{replayed}");
    assert_eq!((&replayed["signature"], &replayed["status"]), (&json!("verified"), &json!(200)));
    browser.element(&format!("{fee} .replay-result.ok"));

    // A phone's width: no sideways scrolling.
    browser.command(
        "POST",
        "/goog/cdp/execute",
        &json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}}),
    );
    let fits = "window.scrollTo(0, 0); return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(browser.run(fits, &[]), json!(true));
    browser.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspector-phone.png"));

    // The page keeps 1,000 rows: a thousand newer deliveries (given to the page as its
    // event stream gives them) push the five out, and the filters' options of their types
    // and statuses go with them.
    let pushed = "const base = {received_ms: 0, webhook_type: 'newer.type', unique_key: null, scheme: 'hmac', \
        signature: 'verified', organization_id: null, status: 202, outcome: 'handled', event: null, \
        violations: [], headers: [], body: '{}', body_read: true, forward: null, recorded: null}; \
        for (let id = 1000; id < 2000; id++) upsert({...base, id}); \
        const values = (css) => [...document.querySelectorAll(css)].map(o => o.value); \
        return [document.querySelectorAll('.delivery').length, values('#filter-type option'), values('#filter-status option')]";
    assert_eq!(browser.run(pushed, &[]), json!([1000, ["", "newer.type"], ["", "202"]]));
    listen.stop();
}

#[test]
fn the_page_refuses_other_hosts_replays_from_other_origins_and_replays_of_refused_deliveries() {
    let listen = listen_with_page(&["--hmac-key", "k"], &[]);
    let page = listen.page.clone();
    let (status, body) = http("GET", &page, &[], b"");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("<script src=\"/page.js\" defer></script>"));
    let port = page.trim_end_matches('/').rsplit(':').next().unwrap();
    let forged = format!("rebound.example:{port}");
    assert_eq!(http("GET", &format!("{page}api/deliveries"), &[("host", &forged)], b"").0, 421);
    let replay = format!("{page}api/deliveries/1/replay");
    assert_eq!(http("POST", &replay, &[], b"").0, 403);
    let other = [("origin", "http://evil.example"), ("x-lago-inspector", "replay")];
    assert_eq!(http("POST", &replay, &other, b"").0, 403);
    // The page's own request reaches the handler, which has no delivery 1 yet.
    assert_eq!(http("POST", &replay, &[("x-lago-inspector", "replay")], b"").0, 404);

    // A delivery whose signature failed is not replayed: listen would sign its body with
    // its own key, and make it a delivery of Lago's.
    let refused = lago(&["trigger", "fee.created", "--url", &listen.url, "--hmac-key", "not-k"]);
    assert!(stdout(&refused).contains("401 signature refused"), "{}", stdout(&refused));
    let (status, body) = http("POST", &replay, &[("x-lago-inspector", "replay")], b"");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("its signature did not verify"), "{body}");
    assert_eq!(deliveries(&page).len(), 1);
    // One that verified is.
    let signed = lago(&["trigger", "fee.created", "--url", &listen.url, "--hmac-key", "k"]);
    assert!(signed.status.success(), "{}", stdout(&signed));
    let replay = format!("{page}api/deliveries/2/replay");
    let (status, body) = http("POST", &replay, &[("x-lago-inspector", "replay")], b"");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, &answer["status"]), (200, &json!(200)), "{answer}");
    assert_eq!(deliveries(&page).len(), 3);
}

/// A delivery's type and unique key.
type Got = (String, Option<String>);

/// What the app received.
#[derive(Clone, Default)]
struct App(Arc<Mutex<Vec<Got>>>);

impl App {
    fn got(&self, kind: &str, delivery: &Delivery) -> HandlerResult {
        self.0.lock().unwrap().push((kind.to_owned(), delivery.unique_key.clone()));
        Ok(())
    }
}

impl AsyncWebhookHandler for App {
    async fn on_fee_created(&self, _: Fee, delivery: &Delivery) -> HandlerResult {
        self.got("fee.created", delivery)
    }

    async fn on_invoice_created(&self, _: Invoice, delivery: &Delivery) -> HandlerResult {
        self.got("invoice.created", delivery)
    }

    async fn on_customer_created(&self, _: Customer, delivery: &Delivery) -> HandlerResult {
        self.got("customer.created", delivery)
    }
}

/// The app, as the README's "Receiving webhooks for real" builds one, verifying with
/// `key`, on a free port of 127.0.0.1 until the runtime is dropped: its runtime, its URL,
/// and what it received.
fn app(key: &str) -> (tokio::runtime::Runtime, String, App) {
    let app = App::default();
    let verifier = Verifier::new().with_hmac(key).unwrap();
    let router = Receiver::new(verifier, app.clone()).with_required_unique_key(true).into_router("/webhooks");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    runtime.spawn(serve_until(listener, router, Limits::default(), std::future::pending()));
    (runtime, url, app)
}

#[test]
fn listen_forwards_verified_deliveries_signed_with_the_app_s_key_and_shows_its_answers() {
    let (_app_runtime, app_url, app) = app("app-key");
    let listen = listen_with_page(
        &["--hmac-key", "lago-key", "--forward-to", &app_url, "--forward-hmac-key", "app-key"],
        &[],
    );
    let (url, page) = (listen.url.clone(), listen.page.clone());
    let types = ["fee.created", "invoice.created", "customer.created"];
    let sent = lago(&[&["trigger"][..], &types, &["--url", &url, "--hmac-key", "lago-key"]].concat());
    assert!(sent.status.success(), "{}", stdout(&sent));
    let refused = lago(&["trigger", "fee.created", "--url", &url, "--hmac-key", "not-lago-key"]);
    assert_eq!(refused.status.code(), Some(1));

    let kept = wait_for("the app's three answers", || {
        let kept = deliveries(&page);
        let answered = kept.iter().filter(|entry| entry["forward"]["state"] == "answered").count();
        (kept.len() == 4 && answered == 3).then_some(kept)
    });
    for entry in &kept[..3] {
        assert_eq!(
            entry["forward"],
            json!({"state": "answered", "status": 200, "body": "handled"}),
            "{entry}"
        );
    }
    // The unverified delivery is not forwarded.
    assert_eq!((&kept[3]["signature"], &kept[3]["forward"]), (&json!("refused"), &Value::Null));
    // The app got each delivery once, verified with its own key, under Lago's unique key.
    let mut received = app.0.lock().unwrap().clone();
    received.sort();
    let mut expected: Vec<Got> = kept[..3]
        .iter()
        .map(|entry| {
            (
                entry["webhook_type"].as_str().unwrap().to_owned(),
                entry["unique_key"].as_str().map(str::to_owned),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(received, expected);

    let printed = listen.stop();
    assert_eq!(printed.first().map(String::as_str), Some(format!("forwarding to {app_url}").as_str()));
    let forwarded = printed.iter().filter(|line| line.trim() == "forwarded    200 handled").count();
    assert_eq!(forwarded, 3, "{printed:#?}");

    // An app that verifies with another key refuses, and the page says so.
    let listen = listen_with_page(
        &["--hmac-key", "lago-key", "--forward-to", &app_url],
        &[("LAGO_FORWARD_HMAC_KEY", "stale")],
    );
    let (url, page) = (listen.url.clone(), listen.page.clone());
    let sent = lago(&["trigger", "fee.created", "--url", &url, "--hmac-key", "lago-key"]);
    assert!(sent.status.success(), "{}", stdout(&sent));
    let entry = wait_for("the app's refusal", || {
        deliveries(&page).pop().filter(|entry| entry["forward"]["state"] == "answered")
    });
    assert_eq!(entry["forward"]["status"], 401, "{entry}");
    assert!(entry["forward"]["body"].as_str().unwrap().contains("signature"), "{entry}");
    listen.stop();
}

#[test]
fn recorded_deliveries_are_sent_again_by_trigger_payload() {
    let dir = scratch("inspector-record");
    let record = dir.join("recorded");
    let _ = std::fs::remove_dir_all(&record);
    let listen = listen_with_page(&["--hmac-key", "k", "--record", record.to_str().unwrap()], &[]);
    let url = listen.url.clone();
    let sent = lago(&["trigger", "fee.created", "customer.created", "--url", &url, "--hmac-key", "k"]);
    assert!(sent.status.success(), "{}", stdout(&sent));
    // Anyone can post to the port: what fails the signature is not written. (Files are
    // written before the answer, so there is nothing to wait for.)
    let refused = lago(&["trigger", "invoice.created", "--url", &url, "--hmac-key", "not-k"]);
    assert!(stdout(&refused).contains("401 signature refused"), "{}", stdout(&refused));
    let files = std::fs::read_dir(&record).unwrap().count();
    assert_eq!(files, 4, "two bodies and their headers only");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&record).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{mode:o}");
    }

    let bodies: Vec<PathBuf> = std::fs::read_dir(&record)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let name = |path: &Path| path.file_name().unwrap().to_str().unwrap().to_owned();
    // trigger sends its types at once: either may come first.
    let named = |kind: &str| {
        let found = bodies.iter().find(|path| name(path).contains(&format!("-{kind}-trigger-")));
        found.unwrap_or_else(|| panic!("no file for {kind} in {bodies:?}")).clone()
    };
    let (fee, customer) = (named("fee.created"), named("customer.created"));
    // `<time>-<number>-<type>-<unique key>.json`.
    assert!(name(&fee).split('-').nth(1).is_some_and(|n| n == "0001" || n == "0002"), "{}", name(&fee));
    // Exactly the bytes sent, and the headers beside them.
    assert_eq!(std::fs::read_to_string(&fee).unwrap(), WebhookType::FeeCreated.example());
    let headers = std::fs::read_to_string(fee.with_extension("headers")).unwrap();
    assert!(headers.lines().any(|line| line.starts_with("x-lago-unique-key: trigger-")), "{headers}");
    assert!(headers.lines().any(|line| line == "x-lago-signature-algorithm: hmac"), "{headers}");

    let again = lago(&["trigger", "--url", &url, "--hmac-key", "k", "--payload", customer.to_str().unwrap()]);
    assert!(again.status.success() && stdout(&again).contains(" 200 handled"), "{}", stdout(&again));
    listen.stop();
}

#[test]
fn keys_come_from_the_environment() {
    let fixtures = workspace().join("tests/fixtures/signing");
    let public = std::fs::read(fixtures.join("lago-test-public.pem")).unwrap();
    let environment = [
        ("LAGO_HMAC_KEY", "env-key"),
        // As Lago's API returns it: Base64 of the PEM.
        ("LAGO_PUBLIC_KEY", &base64_encode(&public)),
        ("LAGO_ISSUER", "https://lago.example"),
    ];
    let listen = listen_with_page(&[], &environment);
    let url = listen.url.clone();
    let hmac = lago(&["trigger", "fee.created", "--url", &url, "--hmac-key", "env-key"]);
    assert!(hmac.status.success() && stdout(&hmac).contains(" 200 handled"), "{}", stdout(&hmac));
    let private = fixtures.join("lago-test-private.pem");
    let jwt = |issuer: &str| {
        lago(&[
            "trigger",
            "fee.created",
            "--url",
            &url,
            "--jwt-key",
            private.to_str().unwrap(),
            "--issuer",
            issuer,
        ])
    };
    let signed = jwt("https://lago.example");
    assert!(signed.status.success() && stdout(&signed).contains(" 200 handled"), "{}", stdout(&signed));
    let other = jwt("https://api.getlago.com");
    assert!(stdout(&other).contains("401 signature refused"), "{}", stdout(&other));
    let wrong = lago(&["trigger", "fee.created", "--url", &url, "--hmac-key", "not-env-key"]);
    assert!(stdout(&wrong).contains("401 signature refused"), "{}", stdout(&wrong));
    listen.stop();

    let without = lago(&["listen", "--port", "0"]);
    assert_eq!(without.status.code(), Some(2));
    assert!(stderr(&without).contains("give --hmac-key (or LAGO_HMAC_KEY)"), "{}", stderr(&without));
    let help = stdout(&lago(&["listen", "--help"]));
    for variable in ["LAGO_HMAC_KEY", "LAGO_PUBLIC_KEY", "LAGO_ISSUER", "LAGO_FORWARD_HMAC_KEY"] {
        assert!(help.contains(variable), "--help names {variable}");
    }
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_read_and_shown() {
    let listen = listen_with_page(&["--hmac-key", "k"], &[]);
    let (url, page) = (listen.url.clone(), listen.page.clone());
    let declared = (2 * 1024 * 1024).to_string();
    let (status, _) = http("POST", &url, &[("content-length", &declared)], b"");
    assert_eq!(status, 413);
    let kept = deliveries(&page);
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (&kept[0]["status"], &kept[0]["signature"], &kept[0]["body_read"]),
        (&json!(413), &json!("unchecked"), &json!(false))
    );
    let printed = listen.stop();
    assert!(printed.iter().any(|line| line.trim() == "answer       413 body too large"), "{printed:#?}");
}
