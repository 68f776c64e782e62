//! `cellpath label` as the lab uses it on the demo clinic, on both engines:
//! a unit's label by its printed or scanned identifier, as PDF, SVG or PNG
//! by the file's extension, the PNG read back by zbar to the same
//! identifier; a wrong extension, language or identifier is refused with
//! the reason and writes nothing.

use cellpath_domain::SiteId;
use cellpath_domain::donation::DonationId;
use cellpath_store::Store;
use cellpath_test_support::{Backend, TestDb, both_backends};
use chrono::{Duration, Utc};
use std::path::Path;
use std::process::{Command, Output};

fn cellpath(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        .env("CELLPATH_DATABASE_URL", &db.url)
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run cellpath")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// What zbar reads as Code 128 in a PNG.
fn read_code128(png: &Path) -> String {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Scode128.enable"])
        .arg(png)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run zbarimg ({e}): install zbar-tools (apt-get install -y zbar-tools)")
        });
    assert!(
        output.status.success(),
        "zbarimg read nothing in {}",
        png.display()
    );
    text(&output.stdout).trim().to_string()
}

/// The demo clinic's specimens and products: their identifiers.
async fn demo_units(db: &TestDb) -> Vec<DonationId> {
    let store = Store::connect(&db.url).await.expect("connect");
    let mut tx = store.begin().await.expect("begin");
    let mut ids = Vec::new();
    let now = Utc::now();
    for site in tx.list_sites().await.expect("sites") {
        let units = tx
            .units_of_site(
                SiteId::from_uuid(site.id),
                now - Duration::days(30),
                now + Duration::days(30),
            )
            .await
            .expect("units");
        for unit in units {
            ids.push(DonationId::from_body(&unit.donation_id).expect("a stored identifier"));
        }
    }
    ids
}

both_backends! {
    async fn a_units_label_prints_to_pdf_svg_and_png_by_extension(backend: Backend) {
        let db = TestDb::new(&backend).await;
        let out = cellpath(&db, &["demo"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let units = demo_units(&db).await;
        assert!(!units.is_empty(), "the demo clinic has specimens and products");
        let unit = &units[0];
        let dir = tempfile::tempdir().expect("dir");

        let png = dir.path().join("label.png");
        let out = cellpath(&db, &["label", "--id", &unit.printed(), "--out", png.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&unit.printed()), "{}", text(&out.stdout));
        assert_eq!(read_code128(&png), unit.barcode_data(), "the label's barcode is the unit's identifier");

        // As a scanner sends it, in Arabic, as PDF and SVG.
        let pdf = dir.path().join("label.PDF");
        let out = cellpath(&db, &["label", "--id", &unit.barcode_data(), "--out", pdf.to_str().expect("path"), "--lang", "ar"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));
        let svg = dir.path().join("label.svg");
        let out = cellpath(&db, &["label", "--id", &unit.printed(), "--out", svg.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let svg = std::fs::read_to_string(&svg).expect("svg");
        assert!(svg.contains("<svg"), "an SVG document");
        assert!(svg.contains(&unit.body()), "the identifier is printed as text: {svg}");

        // Refusals say why and write nothing.
        let txt = dir.path().join("label.txt");
        let out = cellpath(&db, &["label", "--id", &unit.printed(), "--out", txt.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(".pdf, .svg or .png"), "{}", text(&out.stderr));
        assert!(!txt.exists());
        let out = cellpath(&db, &["label", "--id", &unit.printed(), "--out", png.to_str().expect("path"), "--lang", "fr"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("en or ar"), "{}", text(&out.stderr));
        let missing = dir.path().join("missing.png");
        let mut wrong = unit.printed();
        let last = wrong.pop().expect("check character");
        wrong.push(if last == 'A' { 'B' } else { 'A' });
        let out = cellpath(&db, &["label", "--id", &wrong, "--out", missing.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1), "a wrong check character is refused");
        assert_eq!(text(&out.stderr).lines().count(), 1, "one clear line: {}", text(&out.stderr));
        assert!(!missing.exists());
    }
}
