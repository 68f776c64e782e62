//! A small SMTP server for tests: binds 127.0.0.1:0 before the test sends,
//! speaks enough SMTP for lettre (EHLO/HELO, MAIL, RCPT, DATA with dot
//! unstuffing, RSET, NOOP, QUIT) and keeps every message it receives. It can
//! be told to refuse the next MAIL commands with 421 (to test retries) or
//! the next RCPT commands with a 550 that quotes the address (to check that
//! the server's words never reach a stored reason).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), CRLF line ends, dots unstuffed,
    /// without the terminating `.` line.
    pub data: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<ReceivedMail>>,
    refuse_mail: AtomicUsize,
    reject_rcpt: AtomicUsize,
}

/// The running server; it stops when dropped.
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Binds and starts serving; call it inside the test's tokio runtime.
    pub fn start() -> SmtpSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        listener
            .set_nonblocking(true)
            .expect("non-blocking SMTP sink");
        let listener = TcpListener::from_std(listener).expect("SMTP sink in the tokio runtime");
        let addr = listener.local_addr().expect("SMTP sink address");
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &shared).await;
                });
            }
        });
        SmtpSink { addr, shared, task }
    }

    /// Every message received so far, oldest first.
    pub async fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.messages.lock().expect("sink messages").clone()
    }

    /// Answers the next `n` MAIL commands with 421 and closes the connection.
    pub fn refuse_next_mail(&self, n: usize) {
        self.shared.refuse_mail.store(n, Ordering::SeqCst);
    }

    /// Answers the next `n` RCPT commands with a 550 quoting the address.
    pub fn reject_next_rcpt(&self, n: usize) {
        self.shared.reject_rcpt.store(n, Ordering::SeqCst);
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Takes one from a countdown; true when it was above zero.
fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// The address inside `<...>` after a `MAIL FROM:` or `RCPT TO:` verb.
fn address(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..]
        .find('>')
        .map_or(argument.len(), |i| start + i);
    argument[start..end].trim().to_string()
}

async fn session(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let argument = command.get(verb.len()..).unwrap_or("").trim();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                if take_one(&shared.refuse_mail) {
                    write
                        .write_all(b"421 4.3.2 service not available, closing channel\r\n")
                        .await?;
                    return Ok(());
                }
                from = Some(address(argument));
                to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                if from.is_none() {
                    b"503 5.5.1 MAIL first\r\n"
                } else if take_one(&shared.reject_rcpt) {
                    let refusal = format!(
                        "550 5.1.1 <{}>: recipient address rejected\r\n",
                        address(argument)
                    );
                    write.write_all(refusal.as_bytes()).await?;
                    continue;
                } else {
                    to.push(address(argument));
                    b"250 2.1.5 OK\r\n"
                }
            }
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    b"503 5.5.1 MAIL and RCPT first\r\n"
                } else {
                    write
                        .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data = Vec::new();
                    loop {
                        line.clear();
                        if lines.read_until(b'\n', &mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == b".\r\n" || line == b".\n" {
                            break;
                        }
                        let unstuffed = if line.starts_with(b"..") {
                            &line[1..]
                        } else {
                            &line[..]
                        };
                        data.extend_from_slice(unstuffed);
                    }
                    let mail = ReceivedMail {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data: String::from_utf8_lossy(&data).into_owned(),
                    };
                    shared.messages.lock().expect("sink messages").push(mail);
                    b"250 2.0.0 OK queued\r\n"
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn addresses_are_read_from_their_brackets() {
        assert_eq!(address("FROM:<a@b.org> BODY=8BITMIME"), "a@b.org");
        assert_eq!(address("TO:<patient@example.org>"), "patient@example.org");
        assert_eq!(address("FROM:<>"), "");
    }
}
