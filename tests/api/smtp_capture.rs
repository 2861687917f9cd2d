//! A real SMTP server inside the test process that keeps every message it is
//! given, so tests send through the same lettre transport as production.
//!
//! Hand-written rather than `mailin-embedded`: that crate's server runs
//! forever once started, and tests need to stop it (connections refused, as
//! when a mail server is down) and start it again on the same port.
//! Plain threads and std sockets, so a test may block on a send (as the outbox
//! worker does) without starving the server.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub data: Vec<u8>,
}

/// A captured message, parsed enough to assert on.
#[derive(Debug, Clone)]
pub struct CapturedEmail {
    /// `MAIL FROM` address.
    pub envelope_from: String,
    /// `RCPT TO` addresses.
    pub envelope_to: Vec<String>,
    /// The `To` header's address.
    pub to: String,
    /// The `From` header's address.
    pub from: String,
    pub subject: String,
    /// With angle brackets, as stored in `outbox.message_id`.
    pub message_id: String,
    pub has_date: bool,
    /// `type/subtype` of the top-level part.
    pub content_type: String,
    /// The text/plain part (empty if there is none).
    pub text: String,
    /// The text/html part (empty if there is none).
    pub html: String,
}

impl CapturedEmail {
    /// Parses a received message (or a written `.eml` file, with an empty envelope).
    pub fn parse(envelope_from: String, envelope_to: Vec<String>, raw: &[u8]) -> Self {
        let message = MessageParser::default()
            .parse(raw)
            .expect("a parseable message");
        let root = message.root_part();
        let content_type = root
            .content_type()
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
            .unwrap_or_default();
        let (mut text, mut html) = (String::new(), String::new());
        for id in root.sub_parts().unwrap_or(&[]) {
            let part = message.part(*id).expect("a listed part");
            let body = part.text_contents().unwrap_or_default().to_string();
            match part
                .content_type()
                .map(|ct| (ct.ctype(), ct.subtype().unwrap_or("")))
            {
                Some(("text", "plain")) => text = body,
                Some(("text", "html")) => html = body,
                _ => {}
            }
        }
        let address = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string()
        };
        Self {
            envelope_from,
            envelope_to,
            to: address(message.to()),
            from: address(message.from()),
            subject: message.subject().unwrap_or_default().to_string(),
            message_id: message
                .message_id()
                .map(|id| format!("<{id}>"))
                .unwrap_or_default(),
            has_date: message.date().is_some(),
            content_type,
            text,
            html,
        }
    }
}

/// The capture server. Dropping it stops it.
pub struct SmtpCapture {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    running: Option<Running>,
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl SmtpCapture {
    /// Starts on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the SMTP capture");
        let port = listener.local_addr().unwrap().port();
        let mut capture = Self {
            port,
            received: Arc::default(),
            running: None,
        };
        capture.run(listener);
        capture
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops listening: from now on connections are refused, as when the mail
    /// server is down. What was received is kept.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop.store(true, Ordering::SeqCst);
            running.thread.join().expect("the SMTP capture thread");
        }
    }

    /// Listens again on the same port.
    pub fn restart(&mut self) {
        assert!(
            self.running.is_none(),
            "the SMTP capture is already running"
        );
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        // The port was only just released; give the kernel a moment if needed.
        let mut attempt = 0;
        let listener = loop {
            match TcpListener::bind(addr) {
                Ok(listener) => break listener,
                Err(_) if attempt < 50 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("restarting the SMTP capture on {addr}: {e}"),
            }
        };
        self.run(listener);
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn run(&mut self, listener: TcpListener) {
        // Non-blocking accept, so the loop notices `stop` within a few ms.
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::clone(&self.received);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut sessions = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let received = Arc::clone(&received);
                            sessions.push(std::thread::spawn(move || {
                                // A broken session only loses that session.
                                let _ = session(stream, &received);
                            }));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
                // Sessions under way finish before `stop` returns.
                for s in sessions {
                    let _ = s.join();
                }
            })
        };
        self.running = Some(Running { stop, thread });
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One SMTP session: just enough of RFC 5321 for a client like lettre.
fn session(stream: TcpStream, received: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    // Replies go out line by line (EHLO is four writes): without this, Nagle
    // holds each behind the client's delayed ACK, some 40 ms a message.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut reply = |line: &str| out.write_all(format!("{line}\r\n").as_bytes());
    reply("220 capture.test ESMTP ready")?;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                reply("250-capture.test")?;
                reply("250-8BITMIME")?;
                reply("250-SMTPUTF8")?;
                reply("250 PIPELINING")?;
            }
            "HELO" => reply("250 capture.test")?,
            "MAIL" => {
                from = angle_address(&command);
                to.clear();
                reply("250 OK")?;
            }
            "RCPT" => {
                to.push(angle_address(&command));
                reply("250 OK")?;
            }
            "DATA" => {
                reply("354 end with <CRLF>.<CRLF>")?;
                let mut data = Vec::new();
                let mut raw = Vec::new();
                loop {
                    raw.clear();
                    if input.read_until(b'\n', &mut raw)? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    // Dot-stuffing: a leading ".." stands for ".".
                    let start = usize::from(raw.starts_with(b".."));
                    data.extend_from_slice(&raw[start..]);
                }
                received.lock().unwrap().push(Received {
                    envelope_from: std::mem::take(&mut from),
                    envelope_to: std::mem::take(&mut to),
                    data,
                });
                reply("250 OK queued")?;
            }
            "RSET" => {
                from.clear();
                to.clear();
                reply("250 OK")?;
            }
            "NOOP" => reply("250 OK")?,
            "QUIT" => {
                reply("221 bye")?;
                return Ok(());
            }
            _ => reply("502 command not implemented")?,
        }
    }
}

/// `MAIL FROM:<a@b> SIZE=10` -> `a@b`.
fn angle_address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(addr, _)| addr.to_string())
        .unwrap_or_default()
}
