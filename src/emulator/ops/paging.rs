//! Paging: `PageSize`/`PageToken` members and opaque page tokens. Most listings page by offset
//! (the list as it is at each call, so a removal between pages shifts later items); a listing
//! with a stable sort key can page by cursor instead (the token holds the key of the last item
//! shown, so removals between pages skip nothing).

use base64::Engine as _;
use serde_json::Value;

use crate::emulator::error::ServiceError;
use crate::emulator::input::{self, Input};

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// This many items in.
    Offset(usize),
    /// Just after the item with this key (a cursor token).
    After {
        /// The token as sent, for messages.
        token: String,
        /// The key of the last item of the previous page.
        key: String,
    },
}

/// Reads `PageSize` (0..=`max`; 0 or absent = `default`) and `PageToken`, and ends validation.
pub(super) fn page(
    input: &mut Input<'_>,
    max: i64,
    default: usize,
) -> Result<(Start, usize), ServiceError> {
    let size = input.opt_int("PageSize", 0, max)?;
    let token = input.opt_str("PageToken", &input::PAGE_TOKEN)?;
    input.finish()?;
    let size = match size {
        None | Some(0) => default,
        Some(n) => usize::try_from(n).unwrap_or(default),
    };
    let start = match token {
        None | Some("") => Start::Offset(0),
        Some(t) => decode(t).ok_or_else(|| {
            ServiceError::invalid_parameters(format!(
                "PageToken '{t}' is not a token this endpoint issued"
            ))
        })?,
    };
    Ok((start, size))
}

fn decode(t: &str) -> Option<Start> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let rest = text.strip_prefix("emu1:")?;
    match rest.strip_prefix("after:") {
        Some(key) => Some(Start::After {
            token: t.to_owned(),
            key: key.to_owned(),
        }),
        None => rest.parse().ok().map(Start::Offset),
    }
}

fn encode(payload: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("emu1:{payload}"))
}

/// A listing's answer `out`, with `NextPageToken` when more remain.
pub(super) fn with_next(mut out: Value, next: Option<String>) -> Value {
    if let Some(next) = next {
        out["NextPageToken"] = Value::String(next);
    }
    out
}

/// One page by offset, and the `NextPageToken` when more remain.
pub(super) fn by_offset<'a, T>(
    items: &'a [T],
    start: &Start,
    size: usize,
) -> Result<(&'a [T], Option<String>), ServiceError> {
    let offset = match start {
        Start::Offset(n) => *n,
        Start::After { token, .. } => {
            return Err(ServiceError::invalid_parameters(format!(
                "PageToken '{token}' belongs to a search sorted by createdTime; \
                 use it only to continue that search"
            )))
        }
    };
    let first = offset.min(items.len());
    let end = first.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode(&end.to_string()));
    Ok((&items[first..end], next))
}

/// One page by cursor. `items` are sorted by `key` (descending when `descending`); the page
/// starts after the token's key, wherever that item is now.
pub(super) fn by_key<'a, T>(
    items: &'a [T],
    start: &Start,
    size: usize,
    key: impl Fn(&T) -> String,
    descending: bool,
) -> (&'a [T], Option<String>) {
    let first = match start {
        Start::Offset(n) => (*n).min(items.len()),
        Start::After { key: after, .. } => items
            .iter()
            .position(|item| {
                let k = key(item);
                if descending {
                    k.as_str() < after.as_str()
                } else {
                    k.as_str() > after.as_str()
                }
            })
            .unwrap_or(items.len()),
    };
    let end = first.saturating_add(size).min(items.len());
    let next = (end < items.len() && end > first)
        .then(|| encode(&format!("after:{}", key(&items[end - 1]))));
    (&items[first..end], next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_of(token: Option<String>) -> Start {
        token.map_or(Start::Offset(0), |t| decode(&t).unwrap())
    }

    #[test]
    fn offset_pages_walk_the_list_and_the_last_has_no_token() {
        let items: Vec<u32> = (0..45).collect();
        let (first, next) = by_offset(&items, &Start::Offset(0), 20).unwrap();
        assert_eq!(first, (0..20).collect::<Vec<_>>());
        let (second, next) = by_offset(&items, &start_of(next), 20).unwrap();
        assert_eq!(second[0], 20);
        let (third, last) = by_offset(&items, &start_of(next), 20).unwrap();
        assert_eq!(third, (40..45).collect::<Vec<_>>());
        assert_eq!(last, None);
        // An offset past the end (items removed between pages) is an empty last page.
        assert_eq!(
            by_offset(&items, &Start::Offset(100), 20).unwrap(),
            (&[][..], None)
        );
    }

    #[test]
    fn cursor_pages_skip_nothing_when_items_go_away_between_pages() {
        let key = |n: &u32| format!("{n:08}");
        let mut items: Vec<u32> = (0..10).collect();
        let (first, next) = by_key(&items, &Start::Offset(0), 4, key, false);
        assert_eq!(first, [0, 1, 2, 3]);
        // Two items of the first page disappear before the second page is read.
        items.retain(|n| *n != 1 && *n != 2);
        let (second, next) = by_key(&items, &start_of(next), 4, key, false);
        assert_eq!(second, [4, 5, 6, 7]);
        let (third, last) = by_key(&items, &start_of(next), 4, key, false);
        assert_eq!(third, [8, 9]);
        assert_eq!(last, None);
        // Descending order continues below the cursor.
        let desc: Vec<u32> = (0..10).rev().collect();
        let (first, next) = by_key(&desc, &Start::Offset(0), 3, key, true);
        assert_eq!(first, [9, 8, 7]);
        let (second, _) = by_key(&desc, &start_of(next), 3, key, true);
        assert_eq!(second, [6, 5, 4]);
    }

    #[test]
    fn a_cursor_token_is_refused_where_paging_is_by_offset() {
        let token = encode("after:00000001");
        let err = by_offset(&[1, 2, 3], &decode(&token).unwrap(), 2).unwrap_err();
        assert!(err.message.contains(&token), "{}", err.message);
    }
}
