//! Redaction of secret values before they reach any output.

/// Shows at most a short prefix of a secret and its length, never the value.
///
/// The prefix is capped at a quarter of the length (and 4 characters) so a
/// short password is not mostly revealed.
///
/// The value is also registered with [`crate::scrub`], so that no other
/// road (an error, a name, a copy elsewhere) shows it in any output.
pub fn redact(secret: &str) -> String {
    crate::scrub::register(secret);
    redacted_form(secret)
}

/// What [`redact`] shows for `secret`, without registering it.
pub fn redacted_form(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}***({n} chars, redacted)")
}

/// A URL with the password of its userinfo (`scheme://user:PASSWORD@host`)
/// redacted; a user without a password is kept, as is everything else.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let userinfo = match userinfo.split_once(':') {
        Some((user, pass)) => format!("{user}:{}", redact(pass)),
        // A lone userinfo may itself be a token (`https://TOKEN@host`).
        None => redact(userinfo),
    };
    format!("{scheme}://{userinfo}@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_userinfo_is_redacted() {
        let r = redact_url("http://admin:s3cretPassw0rd@10.0.0.1:8080/api?x=1");
        assert!(!r.contains("s3cretPassw0rd"), "{r}");
        assert!(r.starts_with("http://admin:s3c***(14 chars"), "{r}");
        assert!(r.ends_with("@10.0.0.1:8080/api?x=1"), "{r}");
        let r = redact_url("http://ghp_tokentokentoken@host");
        assert!(!r.contains("tokentoken"), "{r}");
        assert_eq!(redact_url("http://host:8080/a@b"), "http://host:8080/a@b");
        assert_eq!(redact_url("not a url"), "not a url");
    }

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
