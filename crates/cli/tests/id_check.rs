//! `cellpath id check` as staff at a bench use it: the printed form and the
//! barcode data are accepted (exit 0), a wrong check character or flag is
//! refused with the reason (exit 1), all without a database.

use std::process::{Command, Output};

fn cellpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        // Proves the command never opens the database: this URL cannot work.
        .env(
            "CELLPATH_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run cellpath")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn the_published_vector_is_valid_and_its_parts_are_shown() {
    let out = cellpath(&["id", "check", "G123498654321H"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for part in [
        "G123498654321H is valid",
        "facility G1234",
        "year 98",
        "sequence 654321",
        "check character H",
        "barcode =G12349865432177",
    ] {
        assert!(stdout.contains(part), "{part:?} in {stdout}");
    }
}

#[test]
fn the_barcode_form_and_scanner_input_are_valid() {
    for raw in ["=G12349865432177", "=g12349865432177\n", "G123498654321 H"] {
        let out = cellpath(&["id", "check", raw]);
        assert_eq!(out.status.code(), Some(0), "{raw:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).starts_with("G123498654321H is valid"),
            "{raw:?}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn a_wrong_check_character_or_flag_exits_1_with_the_reason() {
    let out = cellpath(&["id", "check", "G123498654321G"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        stderr.contains("check character is G, expected H"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");

    let out = cellpath(&["id", "check", "=G12349865432176"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("flag is 76, expected 77"), "{stderr}");

    let out = cellpath(&["id", "check", "G1234"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn usage_errors_stay_clap_s() {
    assert_eq!(cellpath(&["id", "check"]).status.code(), Some(2));
    assert_eq!(cellpath(&["id"]).status.code(), Some(2));
    let help = cellpath(&["id", "check", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("Usage: cellpath id check"));
}
