//! Migrations are safe for rolling deploys (README: Deploy): while one release's instances
//! restart, the other release runs on the same schema, so a migration only expands. Dropping,
//! renaming or retyping what a running release may read waits for a later release, and the
//! migration that does it says so on a `-- contract:` line.

use std::path::Path;

/// Migrations from before the rule (their drops removed what no release read any more).
const RULE_FROM: &str = "20261207000042";

/// The statements of `sql` (comments left out) that take away or change what a running
/// release may use.
fn contractions(sql: &str) -> Vec<String> {
    let text: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    text.split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| {
            s.contains("drop table")
                || s.contains("drop column")
                || s.contains(" rename ")
                || s.contains("set not null")
                || (s.contains("alter column") && s.contains(" type "))
        })
        .collect()
}

#[test]
fn a_migration_that_takes_something_away_says_so() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".sql") || name < RULE_FROM {
            continue;
        }
        checked += 1;
        let sql = std::fs::read_to_string(&path).expect("readable");
        let found = contractions(&sql);
        let said = sql
            .lines()
            .any(|l| l.trim_start().starts_with("-- contract:"));
        assert!(
            found.is_empty() || said,
            "{name} takes away what the running release may use: {found:?}. Expand now and \
             contract in a later release, or explain on a `-- contract:` line why no running \
             release reads it"
        );
    }
    assert!(checked > 0, "the rule applies to the newest migrations");
}

#[test]
fn contractions_are_found_and_comments_and_additions_are_not() {
    let sql = "-- we used to DROP COLUMN here\n\
               ALTER TABLE a ADD COLUMN b INT NOT NULL DEFAULT 0;\n\
               CREATE INDEX a_b ON a (b);\n\
               ALTER TABLE a DROP COLUMN c;\n\
               ALTER TABLE a RENAME COLUMN d TO e;\n\
               ALTER TABLE a ALTER COLUMN f TYPE BIGINT;\n\
               ALTER TABLE a ALTER COLUMN g SET NOT NULL;\n\
               DROP TABLE h;";
    assert_eq!(
        contractions(sql),
        [
            "alter table a drop column c",
            "alter table a rename column d to e",
            "alter table a alter column f type bigint",
            "alter table a alter column g set not null",
            "drop table h",
        ]
    );
}
