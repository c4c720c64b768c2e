//! The development `JWT_SECRET`: made once, kept under the target folder, so that a
//! restart does not sign everyone out. Only `fsroute dev` reads it: `cargo run` and
//! deployments still need their own.

use std::path::{Path, PathBuf};

/// The file, under `target/fsroute-dev/`.
pub fn path(target_dir: &Path) -> PathBuf {
    target_dir.join("fsroute-dev").join("jwt-secret")
}

/// The secret in `target_dir`, made on first use: 32 random bytes as hex.
pub fn load_or_create(target_dir: &Path) -> Result<String, String> {
    let file = path(target_dir);
    if let Ok(secret) = std::fs::read_to_string(&file) {
        let secret = secret.trim();
        if secret.len() >= 64 {
            return Ok(secret.to_string());
        }
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| format!("no randomness for the dev secret: {err}"))?;
    let secret: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let written = std::fs::create_dir_all(file.parent().expect("a file in a folder"))
        .and_then(|()| std::fs::write(&file, format!("{secret}\n")));
    if let Err(err) = written {
        // Still usable for this run; sign-ins just won't survive the next one.
        eprintln!(
            "warning: cannot keep the development secret in `{}`: {err}",
            file.display()
        );
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(load_or_create(dir.path()).unwrap(), first);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(load_or_create(other.path()).unwrap(), first);
    }
}
