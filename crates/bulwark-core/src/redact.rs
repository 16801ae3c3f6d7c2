//! Redaction of secret values before they reach any output.

/// Shows at most a short prefix of a secret and its length, never the value.
///
/// The prefix is capped at a quarter of the length (and 4 characters) so a
/// short password is not mostly revealed.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}***({n} chars, redacted)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_more_than_a_quarter() {
        let r = redact("AKIAIOSFODNN7EXAMPLE");
        assert!(r.starts_with("AKIA***"));
        assert!(!r.contains("IOSFODNN"));
        let r = redact("hunter2");
        assert!(r.starts_with("h***"), "{r}");
        assert_eq!(redact("ab"), "***(2 chars, redacted)");
    }
}
