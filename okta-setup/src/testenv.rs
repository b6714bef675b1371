//! Writing `ISSUER`, `CLIENT_ID` and `CLIENT_SECRET` into `testenv`, the
//! file the sample app reads, while keeping every other line as it was:
//! comments, the order, and values this command does not own.

use std::path::Path;

use crate::error::Error;

/// Sets each `(key, value)` in the file at `path` (creating it if needed):
/// an existing `KEY=…` line is replaced in place, a new key is appended.
/// Returns whether the file changed.
pub fn update(path: &Path, values: &[(&str, &str)]) -> Result<bool, Error> {
    let before = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(Error::Io {
                context: format!("read {}", path.display()),
                source,
            });
        }
    };
    let after = updated(&before, values);
    if after == before {
        return Ok(false);
    }
    std::fs::write(path, after).map_err(|source| Error::Io {
        context: format!("write {}", path.display()),
        source,
    })?;
    Ok(true)
}

/// The value of `key` in the file at `path`, if any.
pub fn read(path: &Path, key: &str) -> Option<String> {
    dotenvy::from_path_iter(path)
        .ok()?
        .filter_map(Result::ok)
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
}

fn updated(text: &str, values: &[(&str, &str)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (key, value) in values {
        let line = format!("{key}={value}");
        let existing = lines.iter_mut().find(|existing| {
            existing
                .trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
        match existing {
            Some(existing) => *existing = line,
            None => lines.push(line),
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_replaced_in_place_and_other_lines_kept() {
        let before = "# my org\nISSUER=https://old/oauth2/default\nEXTRA=keep me\n";
        let after = updated(
            before,
            &[
                ("ISSUER", "https://new/oauth2/default"),
                ("CLIENT_ID", "0oa1"),
            ],
        );
        assert_eq!(
            after,
            "# my org\nISSUER=https://new/oauth2/default\nEXTRA=keep me\nCLIENT_ID=0oa1\n"
        );
    }

    #[test]
    fn writing_the_same_values_changes_nothing() {
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join("testenv");
        assert!(update(&path, &[("CLIENT_ID", "0oa1")]).expect("written"));
        assert!(!update(&path, &[("CLIENT_ID", "0oa1")]).expect("read"));
        assert_eq!(read(&path, "CLIENT_ID").as_deref(), Some("0oa1"));
    }
}
