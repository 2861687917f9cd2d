//! The citizen's pages in a real browser: Debian's Chromium, headless, driven
//! over WebDriver by a chromedriver that each test starts for itself. The
//! tests check what a person sees and does: the list filtering as they type,
//! focus moving to an error summary, a file chosen in the file picker, the
//! page fitting a phone, right-to-left Persian, the skip link.
//!
//! They need `/usr/bin/chromium` and `/usr/bin/chromedriver`
//! (`apt-get install chromium chromium-driver`, as `.ci/run` does) and fail,
//! saying so, without them.
//!
//! Screenshots are written to the test's temporary folder, removed when the
//! test ends; set `CIVICDESK_SCREENSHOTS=/some/folder` to keep them there.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_linking_to_itself, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const TINY_PNG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/uploads/testdata/tiny.png");
/// How long to wait for something to appear on a page.
const PATIENCE: Duration = Duration::from_secs(15);

/// A chromedriver of the test's own on a free port, leading its own process
/// group so that dropping it kills it and every Chromium process it started.
/// A watchdog does the same if the test process dies without dropping it.
struct ChromeDriver {
    child: Child,
    watchdog: Child,
    url: String,
}

impl ChromeDriver {
    async fn start(log: &Path) -> ChromeDriver {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: the browser tests drive Debian's Chromium. \
                 Install it with `apt-get install chromium chromium-driver` (.ci/run does)."
            );
        }
        let mut last_error = String::new();
        // The port is free when asked for, but another process could take it
        // before chromedriver binds it: then try another.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("finding a free port")
                .port();
            let mut cmd = Command::new(CHROMEDRIVER);
            cmd.arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            // SAFETY: prctl is async-signal-safe. If the test process dies without
            // dropping us, the kernel kills chromedriver, and Chromium follows.
            unsafe {
                cmd.pre_exec(|| {
                    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                        .map_err(std::io::Error::from)
                });
            }
            let child = cmd.spawn().expect("starting chromedriver");
            let watchdog = spawn_watchdog(child.id());
            let mut driver = ChromeDriver {
                child,
                watchdog,
                url: format!("http://127.0.0.1:{port}"),
            };
            match driver.wait_until_ready().await {
                Ok(()) => return driver,
                Err(e) => last_error = e,
            }
        }
        panic!(
            "chromedriver did not start: {last_error} (its log: {})",
            log.display()
        );
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited with {status}"));
            }
            if let Ok(res) = client.get(format!("{}/status", self.url)).send().await {
                let body: Value = res.json().await.unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("not ready after 20 s".into())
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        use nix::sys::signal::{killpg, Signal};
        use nix::unistd::Pid;
        let _ = killpg(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        let _ = self.child.wait();
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// Chromium does not die with chromedriver, so if this test process is killed
/// (no Drop runs), a shell in a session of its own kills chromedriver's whole
/// process group once this process has gone.
fn spawn_watchdog(group: u32) -> Child {
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; kill -s KILL -- -{group} 2>/dev/null",
        parent = std::process::id(),
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    cmd.spawn().expect("starting the browser watchdog")
}

/// One browser session against one app. Fields drop in order: the session,
/// then chromedriver (and its Chromium), then the temporary folder.
struct Browser {
    client: Client,
    base: String,
    _driver: ChromeDriver,
    dir: tempfile::TempDir,
}

impl Browser {
    async fn open(app: &TestApp) -> Browser {
        let dir = tempfile::Builder::new()
            .prefix("civicdesk-browser-")
            .tempdir()
            .expect("a temporary folder");
        let driver = ChromeDriver::start(&dir.path().join("chromedriver.log")).await;
        let profile = dir.path().join("profile");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--hide-scrollbars",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": "en-GB,en" },
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| {
                let log = std::fs::read_to_string(dir.path().join("chromedriver.log"))
                    .unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!("Chromium did not start through chromedriver: {e}\n{tail}")
            });
        Browser {
            client,
            base: app.address.clone(),
            _driver: driver,
            dir,
        }
    }

    /// Ends the browser session cleanly (dropping kills it anyway).
    async fn close(self) {
        let Browser {
            client,
            _driver,
            dir,
            ..
        } = self;
        let _ = client.close().await;
        drop(_driver);
        drop(dir);
    }

    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        }
    }

    /// Waits for an element to be on the page (a new page may still be loading).
    async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` on {}: {e}", self.path().await),
        }
    }

    async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("looking for `{css}`: {e}"))
    }

    /// A link, button or label as a person reads it.
    async fn by_text(&self, tag: &str, text: &str) -> Element {
        let xpath = format!("//{tag}[normalize-space()='{text}']");
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no <{tag}> reading {text:?} on {}: {e}", self.path().await),
        }
    }

    async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .expect("an element's text")
    }

    /// The visible text of every element matching `css` that a person can see.
    async fn visible_texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.find_all(css).await {
            if e.is_displayed().await.unwrap_or(false) {
                out.push(e.text().await.expect("text"));
            }
        }
        out
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("running `{script}`: {e}"))
    }

    /// Polls a JavaScript expression until it is true.
    async fn wait_until(&self, expression: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("return !!({expression});");
        loop {
            if self.client.execute(&script, vec![]).await.ok() == Some(json!(true)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for {what} on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The focused element, as `tag#id.class`.
    async fn focused(&self) -> String {
        self.js("const e = document.activeElement; if (!e) return '';
             return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
               + Array.from(e.classList).map(c => '.' + c).join('');")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn press(&self, key: Key) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client
            .perform_actions(keys)
            .await
            .expect("pressing a key");
    }

    async fn set_window(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        let expected = format!("window.innerWidth === {width}");
        self.wait_until(&expected, "the window to take its new size")
            .await;
    }

    /// The page is no wider than the window: nothing to scroll sideways.
    async fn assert_fits_width(&self, what: &str) {
        let sizes = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap());
        if scroll > inner {
            let wide = self
                .js("const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))
                       .filter(e => e.getBoundingClientRect().right > w + 0.5)
                       .slice(0, 10).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                       + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));")
                .await;
            panic!(
                "{what} scrolls sideways: {scroll}px wide in a {inner}px window; too wide: {wide}"
            );
        }
    }

    /// Screenshots for a person checking the pages by eye, taken only when
    /// `CIVICDESK_SCREENSHOTS` names a folder to keep them in.
    async fn screenshot_if_kept(&self, name: &str) {
        if std::env::var_os("CIVICDESK_SCREENSHOTS").is_some() {
            self.screenshot(name).await;
        }
    }

    /// Screenshots of the page, screen by screen as a person scrolls through
    /// it, saved as `name-1.png`, `name-2.png`...
    async fn screenshot(&self, name: &str) -> Vec<PathBuf> {
        let folder = std::env::var_os("CIVICDESK_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.dir.path().join("screenshots"));
        std::fs::create_dir_all(&folder).expect("a screenshots folder");
        let sizes = self
            .js("return [window.scrollY, window.innerHeight, document.documentElement.scrollHeight];")
            .await;
        let (was_at, screen, page) = (
            sizes[0].as_f64().unwrap_or(0.0),
            sizes[1].as_u64().unwrap().max(1),
            sizes[2].as_u64().unwrap(),
        );
        let mut paths = Vec::new();
        for i in 0..page.div_ceil(screen).min(20) {
            self.js(&format!("window.scrollTo(0, {});", i * screen))
                .await;
            let png = self.client.screenshot().await.expect("a screenshot");
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000);
            let path = folder.join(format!("{name}-{}.png", i + 1));
            std::fs::write(&path, png).expect("writing a screenshot");
            paths.push(path);
        }
        self.js(&format!("window.scrollTo(0, {was_at});")).await;
        paths
    }
}

async fn seeded_app() -> TestApp {
    let app = spawn_app_linking_to_itself().await;
    app.seed_demo();
    app
}

#[tokio::test]
async fn a_citizen_finds_a_service_by_typing_and_by_kind() {
    let app = seeded_app().await;
    let browser = Browser::open(&app).await;
    browser.goto("/").await;
    browser
        .by_text("a", "Make a request or report a problem")
        .await
        .click()
        .await
        .unwrap();
    browser.find("#service-search").await;
    assert_eq!(browser.path().await, "/report");
    let all = browser.visible_texts(".service-link").await;
    assert!(all.len() > 10, "every service is listed: {all:?}");
    assert_eq!(
        browser.text("#result-count").await,
        format!("{} services", all.len())
    );

    // Typing filters the list in place: no new page, the count follows.
    browser.js("window.stillTheSamePage = true;").await;
    let search = browser.find("#service-search").await;
    search.send_keys("bin").await.unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('[data-filter-text]:not([hidden])').length < 10",
            "the list to be filtered",
        )
        .await;
    let shown = browser.visible_texts(".service-link").await;
    assert!(
        shown.contains(&"Missed bin collection".to_string()),
        "{shown:?}"
    );
    assert!(
        !shown.contains(&"Pothole or damaged road".to_string()),
        "{shown:?}"
    );
    assert_eq!(
        browser.text("#result-count").await,
        format!("{} services", shown.len())
    );
    assert_eq!(
        browser.js("return window.stillTheSamePage === true;").await,
        json!(true)
    );
    assert_eq!(browser.path().await, "/report", "no request was made");
    // Groups left empty disappear with their heading.
    let headings = browser.visible_texts("#service-groups h2").await;
    assert_eq!(headings, vec!["Bins and recycling".to_string()]);

    // A word only a service's keywords have finds it, as the server's search
    // does, and one service is "1 service".
    search.clear().await.unwrap();
    search.send_keys("tarmac").await.unwrap();
    browser
        .wait_until(
            "document.querySelectorAll('[data-filter-text]:not([hidden])').length < 3",
            "the list to be filtered",
        )
        .await;
    let shown = browser.visible_texts(".service-link").await;
    assert_eq!(shown, vec!["Pothole or damaged road".to_string()]);
    assert_eq!(browser.text("#result-count").await, "1 service");

    // The kind radios and the button ask the server.
    search.clear().await.unwrap();
    browser
        .by_text("label", "Pay a compliment")
        .await
        .click()
        .await
        .unwrap();
    browser
        .by_text("button", "Show services")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until(
            "location.search.includes('kind=compliment')",
            "the filtered page",
        )
        .await;
    browser.find("#service-groups").await;
    assert_eq!(
        browser.js("return window.stillTheSamePage === true;").await,
        json!(false)
    );
    let shown = browser.visible_texts(".service-link").await;
    assert!(
        shown.contains(&"Suggestion or compliment".to_string()),
        "{shown:?}"
    );
    assert!(
        !shown.contains(&"Missed bin collection".to_string()),
        "{shown:?}"
    );
    assert!(browser
        .find("#kind-compliment")
        .await
        .is_selected()
        .await
        .unwrap());
    browser.close().await;
}

#[tokio::test]
async fn a_citizen_reports_a_pothole_follows_it_and_withdraws_it() {
    let app = seeded_app().await;
    let browser = Browser::open(&app).await;
    browser.goto("/report/pothole").await;
    assert_eq!(browser.text("h1").await, "Pothole or damaged road");

    // Sent empty: the summary comes first, takes focus, and links to each field.
    browser
        .by_text("button", "Send request")
        .await
        .click()
        .await
        .unwrap();
    let summary = browser.find(".error-summary").await;
    browser
        .wait_until(
            "document.activeElement && document.activeElement.classList.contains('error-summary')",
            "the error summary to take focus",
        )
        .await;
    assert!(browser
        .text(".error-summary h2")
        .await
        .contains("There is a problem"));
    let (_, summary_top, _, _) = summary.rectangle().await.unwrap();
    let (_, form_top, _, _) = browser
        .find("form.request-form")
        .await
        .rectangle()
        .await
        .unwrap();
    assert!(summary_top < form_top, "the summary is above the form");
    let links = browser.find_all(".error-summary a").await;
    assert!(links.len() >= 4, "one link per problem");
    let mut targets = Vec::new();
    for link in &links {
        let href = link.attr("href").await.unwrap().expect("an href");
        let id = href.strip_prefix('#').expect("a link within the page");
        let exists = browser
            .js(&format!("return !!document.getElementById('{id}');"))
            .await;
        assert_eq!(exists, json!(true), "{href} points at nothing");
        targets.push(href);
    }
    // In the order the fields come on the page.
    let tops = browser
        .js("return Array.from(document.querySelectorAll('.error-summary a')).map(a =>
               document.getElementById(a.getAttribute('href').slice(1)).getBoundingClientRect().top);")
        .await;
    let tops: Vec<f64> = tops
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    assert!(
        tops.windows(2).all(|w| w[0] < w[1]),
        "the summary lists the problems top to bottom: {targets:?}"
    );
    for expected in [
        "#field-description",
        "#field-extra-size",
        "#field-address",
        "#field-privacy_consent",
    ] {
        assert!(
            targets.iter().any(|t| t == expected),
            "no link to {expected}: {targets:?}"
        );
    }
    let phone_errors = {
        browser.set_window(375, 812).await;
        let shots = browser.screenshot("form-with-errors-phone").await;
        browser.set_window(1280, 900).await;
        shots
    };
    browser.screenshot("form-with-errors-desktop").await;
    eprintln!("screenshots: {phone_errors:?}");

    // Following a link puts the cursor in that field.
    let link = browser
        .find(".error-summary a[href='#field-description']")
        .await;
    let message = link.text().await.unwrap();
    assert!(
        browser.text("#error-description").await.ends_with(&message),
        "the link says what the field's own message says: {message:?}"
    );
    link.click().await.unwrap();
    browser
        .wait_until(
            "document.activeElement.id === 'description'",
            "focus on the description",
        )
        .await;
    assert_eq!(browser.focused().await, "textarea#description");
    let link = browser
        .find(".error-summary a[href='#field-extra-size']")
        .await;
    link.click().await.unwrap();
    browser
        .wait_until(
            "document.activeElement.id === 'extra-size-small'",
            "focus on the first size",
        )
        .await;

    // Every field filled in, a photo attached.
    browser
        .by_text("label", "Ask for a service or report a problem")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#subject")
        .await
        .send_keys("Pothole outside number 12")
        .await
        .unwrap();
    browser
        .find("#description")
        .await
        .send_keys("Deep hole by the bus stop.\nCyclists swerve round it.")
        .await
        .unwrap();
    browser
        .by_text("label", "Larger than a car tyre")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#extra-depth_cm")
        .await
        .send_keys("8")
        .await
        .unwrap();
    browser
        .find("#address")
        .await
        .send_keys("12 High Street")
        .await
        .unwrap();
    browser
        .find("#attachments")
        .await
        .send_keys(TINY_PNG)
        .await
        .unwrap();
    browser
        .find("#name")
        .await
        .send_keys("Ada Lovelace")
        .await
        .unwrap();
    browser
        .find("#email")
        .await
        .send_keys("ada@example.org")
        .await
        .unwrap();
    browser
        .find("#privacy_consent")
        .await
        .click()
        .await
        .unwrap();
    assert!(browser
        .find("#privacy_consent")
        .await
        .is_selected()
        .await
        .unwrap());
    browser
        .by_text("button", "Send request")
        .await
        .click()
        .await
        .unwrap();

    // The confirmation: a reference and the private link.
    browser
        .wait_until("document.querySelector('h1') && document.querySelector('h1').textContent.includes('Request received')", "the confirmation")
        .await;
    let reference = browser.text(".reference").await;
    assert!(
        is_reference(&reference),
        "{reference:?} is not CD-YYYY-NNNNNN"
    );
    let tracking = browser.find(".tracking-link a").await;
    let href = tracking.attr("href").await.unwrap().unwrap();
    assert!(
        href.starts_with(&format!("{}/requests/{reference}?token=", app.address)),
        "{href}"
    );
    assert_eq!(
        tracking.text().await.unwrap(),
        href,
        "the link shows its address"
    );
    // The long private link wraps rather than widening the page on a phone.
    browser.set_window(375, 812).await;
    browser
        .assert_fits_width("the confirmation page on a phone")
        .await;
    browser.set_window(1280, 900).await;

    // The request page, by that link.
    tracking.click().await.unwrap();
    browser.find("dl.summary").await;
    assert!(browser
        .path()
        .await
        .starts_with(&format!("/requests/{reference}?token=")));
    assert_eq!(browser.text("h1").await, "Pothole outside number 12");
    assert_eq!(browser.text(".status").await, "Received");
    let timeline = browser.visible_texts(".timeline-entry").await;
    assert!(
        timeline.iter().any(|e| e.contains("Request received")),
        "{timeline:?}"
    );
    let answers = browser.visible_texts("dl.summary > div").await;
    assert!(
        answers.contains(&"Roughly how big is it?\nLarger than a car tyre".to_string()),
        "the extra question in words: {answers:?}"
    );
    assert!(
        answers.contains(&"Depth in centimetres, if you know\n8".to_string()),
        "the number as typed: {answers:?}"
    );
    let files = browser.visible_texts("a[download]").await;
    assert_eq!(files, vec!["tiny.png".to_string()]);
    browser.set_window(375, 812).await;
    browser
        .assert_fits_width("the request page on a phone")
        .await;
    let shots = browser.screenshot("request-page-phone").await;
    eprintln!("screenshots: {shots:?}");
    browser.set_window(1280, 900).await;

    // Adding information.
    browser
        .find("#body")
        .await
        .send_keys("It is getting bigger after the rain.")
        .await
        .unwrap();
    browser
        .by_text("button", "Send")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until(
            "location.search.includes('done=comment')",
            "the page after the comment",
        )
        .await;
    assert!(browser
        .text(".panel-success")
        .await
        .contains("We have added your message"));
    let timeline = browser.visible_texts(".timeline-entry").await;
    assert!(
        timeline.iter().any(|e| e.contains("You added information")
            && e.contains("It is getting bigger after the rain.")),
        "{timeline:?}"
    );

    // Withdrawing: the form is folded away until asked for.
    let confirm = browser.find("#confirm").await;
    assert!(!confirm.is_displayed().await.unwrap(), "folded away");
    browser
        .by_text("summary", "Withdraw this request")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#reason")
        .await
        .send_keys("Someone filled it in")
        .await
        .unwrap();
    confirm.click().await.unwrap();
    browser
        .by_text("button", "Withdraw request")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until(
            "location.search.includes('done=withdrawn')",
            "the page after withdrawing",
        )
        .await;
    assert_eq!(browser.text(".status").await, "Closed");
    assert!(browser
        .text(".panel-success")
        .await
        .contains("Your request has been withdrawn"));
    assert!(browser.find_all("details.withdraw").await.is_empty());
    browser.close().await;
}

fn is_reference(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 14
        && s.starts_with("CD-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

#[tokio::test]
async fn the_language_switch_turns_the_page_right_to_left_in_persian() {
    let app = seeded_app().await;
    let browser = Browser::open(&app).await;
    browser.goto("/report").await;
    assert_eq!(
        browser
            .js("return [document.documentElement.lang, document.documentElement.dir];")
            .await,
        json!(["en", "ltr"])
    );
    browser
        .find(".language-switch a[lang='fa']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("document.documentElement.lang === 'fa'", "the Persian page")
        .await;
    assert_eq!(
        browser.js("return [document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction];").await,
        json!(["fa", "rtl", "rtl"])
    );
    assert_eq!(browser.path().await, "/report", "back on the same page");
    let heading = browser.text("h1").await;
    assert!(
        heading
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "the heading is in Persian: {heading:?}"
    );
    // The choice is remembered on the next page.
    browser.goto("/report/pothole").await;
    assert_eq!(
        browser.js("return document.documentElement.dir;").await,
        json!("rtl")
    );
    // The catalogue is in English: it keeps its own direction inside the
    // Persian page, so "…in a road." does not read ".road".
    assert_eq!(
        browser
            .js(
                "return ['h1', '.lead', '#field-extra-size legend', 'label[for=extra-size-small]']
                   .map(s => getComputedStyle(document.querySelector(s)).direction);"
            )
            .await,
        json!(["ltr", "ltr", "ltr", "ltr"])
    );
    assert_eq!(
        browser.js("return getComputedStyle(document.querySelector('#field-subject label')).direction;").await,
        json!("rtl"),
        "the page's own labels are right to left"
    );
    browser.set_window(375, 812).await;
    browser
        .assert_fits_width("the Persian form on a phone")
        .await;
    browser.screenshot_if_kept("persian-form-phone").await;
    browser.close().await;
}

#[tokio::test]
async fn the_pages_fit_a_phone_without_sideways_scrolling() {
    let app = seeded_app().await;
    let browser = Browser::open(&app).await;
    browser.set_window(375, 812).await;
    for path in [
        "/",
        "/report",
        "/report/pothole",
        "/report/missed-bin",
        "/track",
    ] {
        browser.goto(path).await;
        browser.assert_fits_width(path).await;
        browser
            .screenshot_if_kept(&format!("phone{}", path.replace('/', "-")))
            .await;
    }
    // With every error showing, too.
    browser.goto("/report/pothole").await;
    browser
        .by_text("button", "Send request")
        .await
        .click()
        .await
        .unwrap();
    browser.find(".error-summary").await;
    browser
        .assert_fits_width("the pothole form with errors")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn the_skip_link_is_the_first_stop_and_moves_focus_to_the_content() {
    let app = seeded_app().await;
    let browser = Browser::open(&app).await;
    for path in ["/", "/report/pothole"] {
        // On a loaded machine the first key press can reach the window before
        // it takes keyboard focus (focus stays on <body>); load the page
        // afresh and try again, a few times, before judging.
        for _ in 0..3 {
            browser.goto(path).await;
            browser
                .wait_until("document.readyState === 'complete'", "the page loaded")
                .await;
            browser.press(Key::Tab).await;
            if browser.focused().await != "body" {
                break;
            }
        }
        assert_eq!(browser.focused().await, "a.skip-link", "on {path}");
        let skip = browser.client.active_element().await.unwrap();
        assert_eq!(skip.text().await.unwrap(), "Skip to main content");
        assert!(skip.is_displayed().await.unwrap());
        let (x, y, w, _) = skip.rectangle().await.unwrap();
        assert!(
            x >= 0.0 && y >= 0.0 && w > 0.0,
            "the focused skip link is on screen"
        );
        browser.press(Key::Enter).await;
        browser
            .wait_until(
                "document.activeElement && document.activeElement.id === 'main'",
                "focus on main",
            )
            .await;
        // The next Tab goes on from the content, not from the top of the page.
        browser.press(Key::Tab).await;
        let inside = browser
            .js("return document.getElementById('main').contains(document.activeElement);")
            .await;
        assert_eq!(
            inside,
            json!(true),
            "on {path}: {}",
            browser.focused().await
        );
    }
    browser.close().await;
}

/// A supervisor's dashboard in the browser: the charts are drawn with their
/// titles, the print stylesheet is there (and hides the menus when
/// printing), the print button appears with scripts on.
#[tokio::test]
async fn a_supervisor_reads_the_dashboard_and_it_prints_cleanly() {
    let app = seeded_app().await;
    let token = crate::staff_helpers::session_token(&app, "roads.supervisor@demo-council.invalid");
    let browser = Browser::open(&app).await;
    // A page of the site first, so the session cookie belongs to it.
    browser.goto("/statistics").await;
    assert!(browser
        .text("h1")
        .await
        .contains("Our performance in numbers"));
    // (The real one is HttpOnly; a script-set one signs in just the same.)
    browser
        .js(&format!(
            "document.cookie = 'civicdesk_session={token}; path=/'; return true;"
        ))
        .await;
    browser.goto("/staff/reports?preset=7d").await;
    assert_eq!(browser.text("h1").await, "Your departments' dashboard");
    let titles = browser
        .js("return Array.from(document.querySelectorAll('svg.chart > title')).map(t => t.textContent);")
        .await;
    let titles: Vec<String> = serde_json::from_value(titles).unwrap();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Received and resolved")),
        "{titles:?}"
    );
    let print_rule = browser
        .js("return Array.from(document.styleSheets).some(s => { try { return Array.from(s.cssRules).some(r => r.media && r.media.mediaText.includes('print') && r.cssText.includes('.staff-nav')); } catch (e) { return false; } });")
        .await;
    assert_eq!(
        print_rule,
        json!(true),
        "a print stylesheet hides the menus"
    );
    let button = browser
        .js("return !document.querySelector('[data-print]').hidden;")
        .await;
    assert_eq!(
        button,
        json!(true),
        "the print button shows with scripts on"
    );
    browser.screenshot_if_kept("dashboard").await;
    browser.close().await;
}
