//! Paging: `PageSize`/`PageToken` members, opaque page tokens, and slicing one page.

use base64::Engine as _;

use crate::emulator::error::ApiError;
use crate::emulator::input::{self, Input};

/// Reads `PageSize` (0..=`max`; 0 or absent = `default`) and `PageToken`, and ends validation.
/// Returns (offset, size).
pub(super) fn page(
    input: &mut Input<'_>,
    max: i64,
    default: usize,
) -> Result<(usize, usize), ApiError> {
    let size = input.opt_int("PageSize", 0, max)?;
    let token = input.opt_str("PageToken", &input::PAGE_TOKEN)?;
    input.finish()?;
    let size = match size {
        None | Some(0) => default,
        Some(n) => usize::try_from(n).unwrap_or(default),
    };
    let offset = match token {
        None | Some("") => 0,
        Some(t) => decode(t).ok_or_else(|| {
            ApiError::invalid_parameters(format!(
                "PageToken '{t}' is not a token this endpoint issued"
            ))
        })?,
    };
    Ok((offset, size))
}

fn decode(t: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix("emu1:")?.parse().ok()
}

fn encode(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("emu1:{offset}"))
}

/// Slices one page and returns the `NextPageToken` when more remain.
pub(super) fn paginate<T: Clone>(
    items: &[T],
    offset: usize,
    size: usize,
) -> (Vec<T>, Option<String>) {
    let start = offset.min(items.len());
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode(end));
    (items[start..end].to_vec(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_list_and_the_last_has_no_token() {
        let items: Vec<u32> = (0..45).collect();
        let (first, next) = paginate(&items, 0, 20);
        assert_eq!(first, (0..20).collect::<Vec<_>>());
        let offset = decode(&next.unwrap()).unwrap();
        let (second, next) = paginate(&items, offset, 20);
        assert_eq!(second[0], 20);
        let (third, next2) = paginate(&items, decode(&next.unwrap()).unwrap(), 20);
        assert_eq!(third, (40..45).collect::<Vec<_>>());
        assert_eq!(next2, None);
        // An offset past the end (items removed between pages) is an empty last page.
        assert_eq!(paginate(&items, 100, 20), (vec![], None));
    }
}
