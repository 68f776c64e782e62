//! `cellpath serve --tls-cert --tls-key` with the real binary and a
//! self-signed certificate made here: HTTPS answers with HSTS and the other
//! security headers, cookies are Secure, plain HTTP and a client that does
//! not trust the certificate get nothing, SIGTERM ends the server cleanly,
//! and bad certificate files or half the flags are refused.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

struct Certificate {
    cert_pem: String,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

fn self_signed(dir: &Path) -> Certificate {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let cert_pem = made.cert.pem();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    Certificate {
        cert_pem,
        cert,
        key,
    }
}

fn cellpath(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cellpath"));
    command
        .env(
            "CELLPATH_DATABASE_URL",
            format!("sqlite://{}", dir.join("clinic.db").display()),
        )
        .env("CELLPATH_LOG", "warn")
        .env_remove("CELLPATH_TLS_CERT")
        .env_remove("CELLPATH_TLS_KEY");
    command
}

#[tokio::test]
async fn serve_terminates_tls_with_the_given_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = self_signed(dir.path());
    let mut server = cellpath(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--tls-cert"])
        .arg(&certificate.cert)
        .arg("--tls-key")
        .arg(&certificate.key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let base = line
        .split_whitespace()
        .find(|word| word.starts_with("https://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no https address in {line:?}"))
        .trim_end_matches('/')
        .to_string();

    let trusting = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificate.cert_pem.as_bytes()).expect("pem"),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let health = trusting
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("https");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert!(
        health.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(health.text().await.expect("body"), "ok");

    let sign_in = trusting
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("https");
    assert_eq!(sign_in.status(), reqwest::StatusCode::OK);
    let cookies: Vec<String> = sign_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    assert!(!cookies.is_empty());
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );

    // A client that does not trust the certificate, and plain HTTP, get nothing.
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
    );
    let plain = base.replacen("https://", "http://", 1);
    assert!(
        trusting
            .get(format!("{plain}/healthz"))
            .send()
            .await
            .is_err()
    );

    // SIGTERM: the graceful shutdown, exit 0.
    let terminated = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(terminated.success());
    let status = server.wait().expect("server exit");
    assert!(status.success(), "{status:?}");
}

#[test]
fn bad_certificates_and_half_the_flags_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = self_signed(dir.path());
    let other = self_signed(&{
        let other_dir = dir.path().join("other");
        std::fs::create_dir(&other_dir).expect("dir");
        other_dir
    });
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").expect("write");
    for (cert, key, says) in [
        (&garbage, &certificate.key, "no PEM certificate"),
        (&certificate.cert, &garbage, "no PEM private key"),
        (
            &certificate.cert,
            &other.key,
            "does not fit the certificate",
        ),
        (
            &dir.path().join("missing.pem"),
            &certificate.key,
            "missing.pem",
        ),
    ] {
        let run = cellpath(dir.path())
            .args(["serve", "--bind", "127.0.0.1:0", "--tls-cert"])
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .output()
            .expect("run");
        assert_eq!(run.status.code(), Some(1), "{says}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("cannot use the TLS certificate") && stderr.contains(says),
            "{says}: {stderr}"
        );
    }
    let half = cellpath(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--tls-cert"])
        .arg(&certificate.cert)
        .output()
        .expect("run");
    assert_eq!(
        half.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&half.stderr)
    );
}
