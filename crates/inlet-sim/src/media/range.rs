//! The single-range subset of HTTP `Range` (RFC 9110 §14), which is what download resumers use.

/// What a `Range` header asks of a body of a given length.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RangeRequest {
    /// No usable range: send everything with 200 (also for multi-range and malformed headers,
    /// which the RFC allows a server to ignore).
    Full,
    /// Send bytes `start..=end` with 206.
    Partial { start: u64, end: u64 },
    /// The range lies outside the body: 416.
    Unsatisfiable,
}

pub(super) fn parse(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.parse::<u64>().ok(), last.parse::<u64>().ok()) {
        // bytes=-N: the last N bytes.
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || len == 0 {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Partial {
                    start: len.saturating_sub(suffix),
                    end: len - 1,
                }
            }
        }
        // bytes=A- : from A to the end.
        (Some(start), None) if last.is_empty() => bounded(start, u64::MAX, len),
        (Some(start), Some(end)) if start <= end => bounded(start, end, len),
        _ => RangeRequest::Full,
    }
}

fn bounded(start: u64, end: u64, len: u64) -> RangeRequest {
    if start >= len {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Partial {
            start,
            end: end.min(len - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_single_range_forms() {
        assert_eq!(parse(None, 10), RangeRequest::Full);
        assert_eq!(
            parse(Some("bytes=0-3"), 10),
            RangeRequest::Partial { start: 0, end: 3 }
        );
        assert_eq!(
            parse(Some("bytes=4-"), 10),
            RangeRequest::Partial { start: 4, end: 9 }
        );
        assert_eq!(
            parse(Some("bytes=-3"), 10),
            RangeRequest::Partial { start: 7, end: 9 }
        );
        assert_eq!(
            parse(Some("bytes=-30"), 10),
            RangeRequest::Partial { start: 0, end: 9 }
        );
        assert_eq!(
            parse(Some("bytes=5-100"), 10),
            RangeRequest::Partial { start: 5, end: 9 }
        );
        assert_eq!(parse(Some("bytes=10-"), 10), RangeRequest::Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 10), RangeRequest::Unsatisfiable);
    }

    #[test]
    fn ignores_what_it_does_not_support() {
        assert_eq!(parse(Some("bytes=0-1,4-5"), 10), RangeRequest::Full);
        assert_eq!(parse(Some("items=0-1"), 10), RangeRequest::Full);
        assert_eq!(parse(Some("bytes=5-2"), 10), RangeRequest::Full);
        assert_eq!(parse(Some("bytes=x-y"), 10), RangeRequest::Full);
    }
}
