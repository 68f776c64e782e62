//! The webhook SMS gateway against a local HTTP server: the JSON it posts,
//! non-2xx and silence as failures whose reasons name neither the number
//! nor the text.

use cellpath_app::outbox::{Deliver, Outbound};
use cellpath_domain::outbox::Channel;
use cellpath_notify::{LogOnlySms, WebhookSms};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const NUMBER: &str = "+971 50 555 0101";
const TEXT: &str = "تذكير: جلستك غداً الساعة ١٠:٣٠";

fn text_message() -> Outbound {
    Outbound {
        id: uuid_of(7),
        channel: Channel::Sms,
        recipient: NUMBER.into(),
        subject: String::new(),
        body: TEXT.into(),
        calendar: None,
    }
}

fn uuid_of(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

/// A one-request-at-a-time HTTP server answering `status` (or nothing, when
/// `None`), sending each request it read to the returned channel.
async fn gateway(status: Option<u16>) -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/send?key=secret",
        listener.local_addr().expect("addr")
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0_u8; 4096];
            loop {
                let n = stream.read(&mut buffer).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&request).into_owned());
            match status {
                Some(status) => {
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 20\r\nconnection: close\r\n\r\n{{\"to\":\"+97150555\"}}\r\n"
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
                None => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
        }
    });
    (url, rx)
}

#[tokio::test]
async fn the_gateway_receives_json_with_number_and_text() {
    let (url, mut requests) = gateway(Some(202)).await;
    let sms = WebhookSms::new(&url, Duration::from_secs(5))
        .expect("gateway")
        .with_authorization("Bearer token-1");
    sms.deliver(&text_message()).await.expect("delivered");
    let request = requests.recv().await.expect("a request");
    assert!(request.starts_with("POST /send?key=secret HTTP/1.1\r\n"));
    let lower = request.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/json"));
    assert!(lower.contains("authorization: bearer token-1"));
    assert!(lower.contains(&format!("idempotency-key: {}", uuid_of(7))));
    let body = &request[request.find("\r\n\r\n").expect("body") + 4..];
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(json, serde_json::json!({ "to": NUMBER, "text": TEXT }));
    assert!(
        !format!("{sms:?}").contains("secret"),
        "the query is not shown"
    );
}

#[tokio::test]
async fn a_non_2xx_answer_is_a_failure_without_the_number() {
    let (url, _requests) = gateway(Some(500)).await;
    let sms = WebhookSms::new(&url, Duration::from_secs(5)).expect("gateway");
    let reason = sms.deliver(&text_message()).await.expect_err("refused");
    assert_eq!(reason, "sms gateway answered 500");
}

#[tokio::test]
async fn a_silent_gateway_times_out() {
    let (url, _requests) = gateway(None).await;
    let sms = WebhookSms::new(&url, Duration::from_millis(300)).expect("gateway");
    let reason = sms.deliver(&text_message()).await.expect_err("timed out");
    assert!(
        reason.starts_with("sms gateway did not answer within"),
        "{reason}"
    );
    assert!(!reason.contains("555") && !reason.contains(TEXT));
}

#[tokio::test]
async fn an_unreachable_gateway_and_a_wrong_channel_are_failures() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/send", listener.local_addr().expect("addr"));
    drop(listener);
    let sms = WebhookSms::new(&url, Duration::from_secs(5)).expect("gateway");
    assert_eq!(
        sms.deliver(&text_message()).await,
        Err("sms gateway unreachable".into())
    );
    let mut email = text_message();
    email.channel = Channel::Email;
    assert!(sms.deliver(&email).await.is_err());
    assert!(LogOnlySms.deliver(&email).await.is_err());
    assert_eq!(LogOnlySms.deliver(&text_message()).await, Ok(()));
}

#[test]
fn gateway_urls_are_checked() {
    assert_eq!(
        WebhookSms::new("ftp://h/x", Duration::from_secs(1))
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("scheme")
    );
    assert_eq!(
        WebhookSms::new("not a url", Duration::from_secs(1))
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("url")
    );
    assert_eq!(
        WebhookSms::new("http://h/x", Duration::ZERO)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("timeout")
    );
}

#[test]
fn the_gateway_is_chosen_by_configuration() {
    use cellpath_notify::SmsGateway;
    assert!(matches!(
        SmsGateway::parse("log"),
        Ok(SmsGateway::LogOnly(_))
    ));
    assert!(matches!(
        SmsGateway::parse("https://sms.example.org/send"),
        Ok(SmsGateway::Webhook(_))
    ));
    assert_eq!(
        SmsGateway::parse("logg").map(|_| ()).map_err(|e| e.code()),
        Err("url")
    );
}
