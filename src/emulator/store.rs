//! Persistence of [`State`] to the `--state-file`: JSON, replaced atomically (temp file in the same
//! directory, fsync, rename, fsync of the directory), so a crash leaves either the old or the new file.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::error::EmulatorError;
use super::model::{State, STATE_VERSION};

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Loads the state file; a missing file is an empty state.
pub fn load(path: &Path) -> Result<State, EmulatorError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(source) => {
            return Err(EmulatorError::StateFile {
                path: path.to_owned(),
                source,
            })
        }
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| EmulatorError::CorruptState {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if state.version > STATE_VERSION {
        return Err(EmulatorError::CorruptState {
            path: path.to_owned(),
            reason: format!(
                "format version {} is newer than this emulator's ({STATE_VERSION})",
                state.version
            ),
        });
    }
    Ok(state)
}

/// Replaces the state file with `bytes`, durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EmulatorError> {
    let err = |source| EmulatorError::StateFile {
        path: path.to_owned(),
        source,
    };
    let tmp = temp_path(path);
    let mut f = File::create(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    fs::rename(&tmp, path).map_err(err)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    File::open(&dir).and_then(|d| d.sync_all()).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path).unwrap(), State::default());
        let state = State {
            seq: 7,
            ..State::default()
        };
        write_atomic(&path, &serde_json::to_vec(&state).unwrap()).unwrap();
        assert_eq!(load(&path).unwrap().seq, 7);
        assert!(!temp_path(&path).exists());
        fs::write(&path, b"{\"products\":").unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.to_string().contains("state.json"), "{err}");
    }
}
