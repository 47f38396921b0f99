//! Phone numbers arrive as `8613800000000`, `+8613800000000`, `+55 11 99999-0000` or masked
//! (`861388888****`). The original is always kept for display; this normal form is only used to
//! group messages by person.

/// Strips `+`, whitespace, dashes, dots and parentheses; keeps everything else, including the
/// masking `*`, so two masked numbers only group together when their visible parts agree.
pub fn normalize_phone(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '+' | '-' | '(' | ')' | '.')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn punctuation_goes_and_masking_stays() {
        assert_eq!(normalize_phone("+55 (11) 99999-0000"), "5511999990000");
        assert_eq!(normalize_phone("+861388888****"), "861388888****");
        assert_eq!(
            normalize_phone("8613800000001"),
            normalize_phone("+8613800000001")
        );
        assert_eq!(normalize_phone("\u{a0}+1.555.0100 "), "15550100");
    }
}
