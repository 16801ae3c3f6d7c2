//! "Did you mean" for misspelt rule ids and categories.

use bulwark_core::Catalog;

/// The candidate closest to `given`, if it is close enough to be a typo.
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given_l = given.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&given_l, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// The message for a rule id that no analyzer defines.
pub fn unknown_rule(id: &str, catalog: &Catalog) -> String {
    let hint = match closest(id, catalog.iter().map(|r| r.id)) {
        Some(c) => format!(" (did you mean '{c}'?)"),
        None => " (`bulwark rules` lists every rule)".to_string(),
    };
    format!("unknown rule '{id}'{hint}")
}

/// The message for a category no rule has.
pub fn unknown_category(cat: &str, catalog: &Catalog) -> String {
    let mut cats: Vec<&str> = catalog.iter().map(|r| r.category).collect();
    cats.sort_unstable();
    cats.dedup();
    let hint = match closest(cat, cats.iter().copied()) {
        Some(c) => format!("did you mean '{c}'? "),
        None => String::new(),
    };
    format!(
        "unknown category '{cat}' ({hint}known: {})",
        cats.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_not_strangers() {
        let ids = ["privileged-container", "host-network", "image-latest-tag"];
        assert_eq!(
            closest("privileged-containr", ids),
            Some("privileged-container")
        );
        assert_eq!(closest("Host-Network", ids), Some("host-network"));
        assert_eq!(closest("zzz", ids), None);
    }
}
