//! Headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`) for the tests that open a page in a real browser: the
//! offline verifier (no network at all) and the organisers' pages (only
//! this machine's loopback, where the server listens).

use serde_json::Value;
use std::process::Command;
use std::time::Duration;

pub struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
}

impl Browser {
    /// Starts chromedriver and a session; every request off this machine is
    /// refused, and with `loopback` false every request at all.
    pub fn start(loopback: bool) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver (chromium-driver) is installed: scripts/test installs it");
        let base = format!("http://127.0.0.1:{port}");
        let agent = Browser::agent();
        for _ in 0..100 {
            if agent.get(&format!("{base}/status")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args = vec!["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--proxy-server=http://127.0.0.1:9"];
        if loopback {
            args.extend(["--proxy-bypass-list=127.0.0.1", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]);
        } else {
            args.push("--host-resolver-rules=MAP * ~NOTFOUND");
        }
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": args
        }}}});
        let mut b = Browser { driver, base, session: String::new() };
        let r = b.call("POST", "/session", Some(caps));
        b.session = r["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {r}")).to_string();
        b
    }

    pub fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).build().into()
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let agent = Browser::agent();
        let mut resp = match method {
            "POST" => agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(serde_json::to_vec(&body.unwrap_or(serde_json::json!({}))).unwrap().as_slice())
                .unwrap(),
            "DELETE" => agent.delete(&url).call().unwrap(),
            _ => agent.get(&url).call().unwrap(),
        };
        let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        v.get("value").cloned().unwrap_or(v)
    }

    /// A DELETE of a path of this session (`/cookie/NAME`).
    pub fn session_delete(&self, path: &str) -> Value {
        self.call("DELETE", &format!("/session/{}{path}", self.session), None)
    }

    pub fn session(&self, path: &str, body: Value) -> Value {
        self.call("POST", &format!("/session/{}{path}", self.session), Some(body))
    }

    pub fn session_get(&self, path: &str) -> Value {
        self.call("GET", &format!("/session/{}{path}", self.session), None)
    }

    pub fn element(&self, css: &str) -> String {
        let v = self.session("/element", serde_json::json!({"using": "css selector", "value": css}));
        v["element-6066-11e4-a52e-4f735466cecf"].as_str().unwrap_or_else(|| panic!("no {css}: {v}")).to_string()
    }

    pub fn script(&self, js: &str) -> Value {
        self.session("/execute/sync", serde_json::json!({"script": js, "args": []}))
    }

    pub fn goto(&self, url: &str) {
        self.session("/url", serde_json::json!({"url": url}));
    }

    pub fn url(&self) -> String {
        self.session_get("/url").as_str().unwrap_or_default().to_string()
    }

    /// The page's visible text.
    pub fn text(&self) -> String {
        self.script("return document.body ? document.body.innerText : ''").as_str().unwrap_or_default().to_string()
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.session(&format!("/element/{e}/clear"), serde_json::json!({}));
        self.session(&format!("/element/{e}/value"), serde_json::json!({"text": text}));
    }

    pub fn click(&self, css: &str) {
        let e = self.element(css);
        self.session(&format!("/element/{e}/click"), serde_json::json!({}));
    }

    /// Waits until the page's text holds `needle`.
    pub fn wait_for(&self, needle: &str) -> String {
        for _ in 0..200 {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the page never said {needle:?}: {} at {}", self.text(), self.url());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = Browser::agent().delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

