//! Headless Chromium driven through chromedriver with fantoccini.
//!
//! [`Chromedriver`] starts `chromedriver --port=<free port>` and stops it when
//! dropped; each [`Browser`] is one WebDriver session: its own Chromium with its
//! own fresh profile (`--user-data-dir`), so two of them are two devices.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::{skip, unique_name};

/// The Chromium Debian installs (a wrapper script that chromedriver can start).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long any element or page may take to appear before the test fails.
const WAIT: Duration = Duration::from_secs(10);

/// Whether `chromium` and `chromedriver` are installed; see the module docs of
/// `support`.
pub fn require_browser() -> bool {
    let chromedriver = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("chromedriver").is_file())
    });
    if !chromedriver {
        return skip("chromedriver is not installed (Debian: chromium-driver)");
    }
    if !Path::new(CHROMIUM).exists() {
        return skip(&format!("{CHROMIUM} is not installed (Debian: chromium)"));
    }
    true
}

/// A chromedriver process, stopped (with every browser it started) when dropped;
/// then the browsers' profiles are removed.
pub struct Chromedriver {
    child: Child,
    addr: SocketAddr,
    /// Holds each browser's profile directory.
    profiles: PathBuf,
}

impl Chromedriver {
    /// Starts chromedriver on a free port and waits until it accepts connections.
    pub async fn start() -> Self {
        // A port the system just handed out and took back: free unless another
        // process grabs it in between, which the connect loop below would show.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profiles = std::env::temp_dir().join(unique_name("narvik_demo_chromium"));
        let driver = Self {
            child,
            addr,
            profiles,
        };
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr} within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        driver
    }

    /// A new browser: its own Chromium and profile, in a 1024 × 900 window.
    /// `user_agent` replaces Chromium's own, to play another device.
    pub async fn browser(&self, user_agent: Option<&str>) -> Browser {
        self.launch(user_agent, None).await
    }

    /// A new browser as [`browser`](Self::browser) that plays a phone whose screen
    /// is `(width, height)` CSS pixels (`(390, 844)`): Chromium's mobile emulation,
    /// which honours the page's `viewport` meta tag as a phone does. A headless
    /// window cannot be made narrower than 500 pixels.
    pub async fn phone(&self, user_agent: &str, screen: (u32, u32)) -> Browser {
        self.launch(Some(user_agent), Some(screen)).await
    }

    async fn launch(&self, user_agent: Option<&str>, phone_screen: Option<(u32, u32)>) -> Browser {
        let profile = self.profiles.join(unique_name("profile"));
        std::fs::create_dir_all(&profile).expect("a profile directory");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--window-size=1024,900".to_owned(),
            "--force-device-scale-factor=1".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if let Some(user_agent) = user_agent {
            args.push(format!("--user-agent={user_agent}"));
        }
        let mut chrome_options = json!({ "binary": CHROMIUM, "args": args });
        if let Some((width, height)) = phone_screen {
            chrome_options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 },
            });
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": chrome_options,
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://{}", self.addr))
            .await
            .expect("chromedriver starts a Chromium session");
        Browser { client }
    }
}

impl Drop for Chromedriver {
    /// Asks chromedriver to shut down, which quits every Chromium it started (a
    /// plain kill would leave them running), then kills it if it lingers.
    fn drop(&mut self) {
        use std::io::Write;
        if let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Best effort: a Chromium that outlived its driver may still write there.
        let _ = std::fs::remove_dir_all(&self.profiles);
    }
}

/// One WebDriver session: a Chromium with its own profile. Call
/// [`close`](Self::close) at the end; a test that fails leaves it to
/// [`Chromedriver`]'s drop.
pub struct Browser {
    /// The fantoccini client, for what the helpers do not cover.
    pub client: Client,
}

impl Browser {
    /// Opens `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The element `css`, once it is on the page.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css} within {WAIT:?}: {error}"))
    }

    /// The text of element `css`, once it is on the page.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .text()
            .await
            .expect("the element's text")
    }

    /// Whether element `css` is on the page now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("a search of the page")
            .is_empty()
    }

    /// Types `text` into the field `css`, replacing what it holds.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.expect("the field clears");
        field
            .send_keys(text)
            .await
            .expect("the field takes the text");
    }

    /// Clicks `css` and waits for the page it leads to, recognised by element
    /// `then` (a page of its own: clicks submit forms, and the old page's elements
    /// must not count).
    pub async fn click_and_wait(&self, css: &str, then: &str) -> Element {
        let before = self.page_id().await;
        self.wait_for(css).await.click().await.expect("the click");
        let deadline = Instant::now() + WAIT;
        while self.page_id().await == before {
            assert!(
                Instant::now() < deadline,
                "clicking {css} loaded no new page within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.wait_for(then).await
    }

    /// An id of the current document, new for every page load: the `html` element's
    /// WebDriver reference.
    async fn page_id(&self) -> String {
        match self.client.find(Locator::Css("html")).await {
            Ok(element) => element.element_id().to_string(),
            // Between two pages there may be no document to search.
            Err(_) => String::new(),
        }
    }

    /// The path and query of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Types `username` and `password` into the form on the page, submits it and
    /// waits for element `then` on the page it leads to.
    pub async fn submit_credentials(&self, username: &str, password: &str, then: &str) -> Element {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click_and_wait("#submit", then).await
    }

    /// Signs up through the form at `base` and waits for the account page.
    pub async fn sign_up(&self, base: &str, username: &str, password: &str) {
        self.goto(&format!("{base}/sign-up")).await;
        self.submit_credentials(username, password, "#account-username")
            .await;
    }

    /// Signs in through the form at `base` and waits for the account page.
    pub async fn sign_in(&self, base: &str, username: &str, password: &str) {
        self.goto(&format!("{base}/sign-in")).await;
        self.submit_credentials(username, password, "#account-username")
            .await;
    }

    /// Clicks "Sign out" and waits for the sign-in page that says so.
    pub async fn sign_out(&self) {
        self.click_and_wait("#sign-out", "#notice[data-notice=signed-out]")
            .await;
    }

    /// The cookie named `name`, as the browser keeps it (all its attributes).
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.client
            .get_all_cookies()
            .await
            .expect("the browser's cookies")
            .into_iter()
            .find(|cookie| cookie.name() == name)
    }

    /// What the page's scripts see: `document.cookie`.
    pub async fn document_cookie(&self) -> String {
        let value = self
            .client
            .execute("return document.cookie;", Vec::new())
            .await
            .expect("a script runs");
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Saves a screenshot of the page as `docs/screenshots/{name}.png`, for the
    /// README, when `NARVIK_UPDATE_SCREENSHOTS=1`; otherwise does nothing, so
    /// test runs never change the tree.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var("NARVIK_UPDATE_SCREENSHOTS").as_deref() != Ok("1") {
            return;
        }
        // No caret or focus ring in the picture.
        self.client
            .execute("document.activeElement?.blur();", Vec::new())
            .await
            .expect("a script runs");
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }

    /// Ends the WebDriver session: Chromium quits.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
