//! The reliability evidence as written: `docs/reliability.md` names every test of this suite, so
//! a test added without its row (what was done, expected, what happened) fails.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The names of the test functions of one test file.
fn test_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut attribute = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
            attribute = true;
        } else if attribute {
            if let Some(rest) = line
                .strip_prefix("async fn ")
                .or_else(|| line.strip_prefix("fn "))
            {
                names.push(rest.split('(').next().unwrap_or_default().to_owned());
                attribute = false;
            }
        }
    }
    names
}

#[test]
fn the_reliability_doc_names_every_test_of_the_suite() {
    let doc = read("docs/reliability.md");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/reliability");
    let mut checked = 0;
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the suite's directory") {
        let path = entry.expect("a directory entry").path();
        let source = std::fs::read_to_string(&path).expect("a test file");
        for name in test_names(&source) {
            checked += 1;
            if !doc.contains(&format!("`{name}`")) {
                missing.push(format!("{name} ({})", path.display()));
            }
        }
    }
    assert!(checked >= 10, "found the suite's tests ({checked})");
    assert!(
        missing.is_empty(),
        "docs/reliability.md does not name: {missing:?}"
    );
}
