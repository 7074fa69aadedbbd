//! Paging, written once for every listing API: a cursor (an offset for work records, a
//! `nextToken` for to-dos), a bound on the number of pages, and early stopping.
//!
//! The caller passes one deadline to every page it fetches, so a whole `all()` or `find()` is
//! bounded by `options[timeout]`; the page bound stops a server that always claims more.

use crate::error::{Result, TransportError, TransportErrorKind};

/// Most pages one walk fetches: 1000 pages of 50 work records are 50,000 records, far more than
/// DingTalk keeps per user.
pub(crate) const MAX_PAGES: usize = 1000;

/// One page of a listing and the cursor of the next one (`None` at the end).
pub(crate) struct Page<T, C> {
    pub(crate) items: Vec<T>,
    pub(crate) next: Option<C>,
}

/// Fetches pages from `first` on, hands each page's items to `visit`, and stops at the last
/// page or when `visit` returns a result. A cursor that does not move, like a walk past
/// [`MAX_PAGES`], is a transport error: a server that does it would loop forever, and returning
/// what was read so far would pass a partial listing off as complete.
pub(crate) fn walk<T, C: PartialEq, R>(
    path: &str,
    first: C,
    mut fetch: impl FnMut(&C) -> Result<Page<T, C>>,
    mut visit: impl FnMut(Vec<T>) -> Option<R>,
) -> Result<Option<R>> {
    let mut cursor = first;
    for _ in 0..MAX_PAGES {
        let page = fetch(&cursor)?;
        if let Some(found) = visit(page.items) {
            return Ok(Some(found));
        }
        match page.next {
            Some(next) if next == cursor => {
                return Err(endless(path, "the server sent the same page cursor twice"))
            }
            Some(next) => cursor = next,
            None => return Ok(None),
        }
    }
    Err(endless(
        path,
        &format!("the server still had more after {MAX_PAGES} pages"),
    ))
}

fn endless(path: &str, what: &str) -> crate::error::Error {
    TransportError::new(
        path,
        TransportErrorKind::Decode,
        format!("{what}: stopped, the listing is incomplete"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(n: usize) -> impl FnMut(&usize) -> Result<Page<usize, usize>> {
        move |at| {
            Ok(Page {
                items: vec![*at],
                next: (*at + 1 < n).then_some(*at + 1),
            })
        }
    }

    #[test]
    fn collects_every_page_and_stops_early() {
        let mut seen = Vec::new();
        let none: Option<()> = walk("/p", 0, pages(3), |items| {
            seen.extend(items);
            None
        })
        .unwrap();
        assert_eq!((none, seen), (None, vec![0, 1, 2]));
        let found = walk("/p", 0, pages(10), |items| {
            items.into_iter().find(|i| *i == 4)
        });
        assert_eq!(found.unwrap(), Some(4));
    }

    #[test]
    fn endless_servers_are_bounded() {
        let stuck = walk(
            "/p",
            0,
            |at| {
                Ok(Page {
                    items: vec![1],
                    next: Some(*at),
                })
            },
            |_: Vec<i32>| None::<()>,
        );
        assert!(
            stuck.unwrap_err().to_string().contains("same page cursor"),
            "a cursor that does not move is an error, not a partial listing"
        );
        let endless = walk(
            "/p",
            0,
            |at| {
                Ok(Page {
                    items: vec![1],
                    next: Some(at + 1),
                })
            },
            |_| None::<()>,
        );
        assert!(endless.unwrap_err().to_string().contains("1000 pages"));
    }
}
