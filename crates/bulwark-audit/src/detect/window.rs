//! Stateful detectors Falco cannot express: authentication/authorization
//! failure bursts, first-seen activity after a learning window, and token
//! requests and impersonation by unusual subjects. State is bounded: windows
//! keep at most `threshold` timestamps per key and a capped number of keys;
//! first-seen keeps a capped set of tuples.

use std::collections::{HashMap, HashSet, VecDeque};

use bulwark_core::{Mappings, RuleMeta, Severity};

use super::Hit;
use crate::config::{AuditConfig, glob};
use crate::event::Event;

const AUDIT_DOC: &str = "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/";

macro_rules! meta {
    ($name:ident, $id:literal, $sev:ident, [$($m:literal),*], $title:literal, $desc:literal, $rem:literal) => {
        pub static $name: RuleMeta = RuleMeta {
            id: $id,
            title: $title,
            severity: Severity::$sev,
            category: "audit-behaviour",
            description: $desc,
            remediation: $rem,
            references: &[AUDIT_DOC],
            mappings: Mappings { mitre: &[$($m),*], ..Mappings::NONE },
        };
    };
}

meta!(
    BURST_USER,
    "audit-auth-failure-burst-user",
    Medium,
    ["T1110", "T1078"],
    "Burst of 401/403 responses for one user",
    "Many refused requests by one user in a short window: a stolen credential probing what \
     it may do, or a guessed one. The alert lists the top offenders of the window.",
    "Find the caller; rotate the credential if the activity is not theirs. Tune with \
     `audit.burst.threshold` and `audit.burst.window_secs`."
);
meta!(
    BURST_IP,
    "audit-auth-failure-burst-source-ip",
    Medium,
    ["T1110"],
    "Burst of 401/403 responses from one source IP",
    "Many refused requests from one address in a short window: credential guessing or \
     scanning of the API server.",
    "Block the address at the network edge; keep the API server off the internet."
);
meta!(
    BURST_UA,
    "audit-auth-failure-burst-user-agent",
    Low,
    ["T1110"],
    "Burst of 401/403 responses from one user agent",
    "Many refused requests from one client program: an attack tool or a misconfigured \
     client, either worth knowing.",
    "Find the client; fix or remove it."
);
meta!(
    FIRST_SEEN,
    "audit-first-seen-activity",
    Low,
    ["T1078"],
    "User performed a verb on a resource in a namespace for the first time",
    "After the learning window, a (user, verb, resource) never seen in that namespace: new \
     behaviour of an identity, the trace of a stolen credential used differently.",
    "Confirm the change with the identity's owner. Tune with `audit.first_seen.learning_secs`."
);
meta!(
    UNUSUAL_TOKEN,
    "audit-unusual-token-request",
    High,
    ["T1528"],
    "Service account token requested by an unusual subject",
    "A `serviceaccounts/token` request by someone other than the kubelet, the controller \
     manager or a subject seen doing it during learning: a token minted to impersonate a \
     workload.",
    "Restrict `create` on `serviceaccounts/token`; list expected requesters in \
     `audit.token_requesters`."
);
meta!(
    UNUSUAL_IMPERSONATION,
    "audit-unusual-impersonation",
    High,
    ["T1134", "T1078"],
    "Impersonation by an unusual subject",
    "A request used `Impersonate-User`/`-Group` headers, made by a subject that is not \
     expected to impersonate: it acts with another identity's rights and hides behind it.",
    "Restrict the `impersonate` verb; list expected impersonators in `audit.impersonators`."
);

/// The metadata of every stateful detector.
pub static RULES: [&RuleMeta; 6] = [
    &BURST_USER,
    &BURST_IP,
    &BURST_UA,
    &FIRST_SEEN,
    &UNUSUAL_TOKEN,
    &UNUSUAL_IMPERSONATION,
];

/// Failures per key of one dimension, within the window.
#[derive(Debug, Default)]
struct Burst {
    keys: HashMap<String, VecDeque<f64>>,
    /// Keys not tracked because `max_keys` was reached.
    dropped: u64,
}

impl Burst {
    fn record(
        &mut self,
        key: &str,
        t: f64,
        cfg: &crate::config::BurstConfig,
    ) -> Option<(usize, Vec<(String, usize)>)> {
        if !self.keys.contains_key(key) && self.keys.len() >= cfg.max_keys {
            self.keys
                .retain(|_, q| q.back().is_some_and(|&b| t - b <= cfg.window_secs));
            if self.keys.len() >= cfg.max_keys {
                self.dropped += 1;
                return None;
            }
        }
        let q = self.keys.entry(key.to_string()).or_default();
        q.push_back(t);
        while q.front().is_some_and(|&f| t - f > cfg.window_secs) {
            q.pop_front();
        }
        if q.len() < cfg.threshold {
            return None;
        }
        let n = q.len();
        q.clear();
        // Top offenders of this dimension in the current window (this key
        // first, with the count that fired).
        let mut top: Vec<(String, usize)> = self
            .keys
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, q)| {
                (
                    k.clone(),
                    q.iter().filter(|&&x| t - x <= cfg.window_secs).count(),
                )
            })
            .filter(|(_, c)| *c > 0)
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(4);
        top.insert(0, (key.to_string(), n));
        Some((n, top))
    }
}

/// The state of every stateful detector.
#[derive(Debug, Default)]
pub struct WindowState {
    user: Burst,
    ip: Burst,
    ua: Burst,
    start: Option<f64>,
    now: f64,
    seen: HashSet<String>,
    /// First-seen tuples not remembered because the set was full.
    pub first_seen_dropped: u64,
    token_requesters: HashSet<String>,
    impersonators: HashSet<String>,
    /// The first-seen key of the current event, built in place (one
    /// allocation per run, not per event).
    key: String,
}

impl WindowState {
    /// Keys not tracked by the burst detectors because of their bound.
    pub fn burst_dropped(&self) -> u64 {
        self.user.dropped + self.ip.dropped + self.ua.dropped
    }

    /// Feeds one (not excluded) event; returns what fired.
    pub fn observe(
        &mut self,
        cfg: &AuditConfig,
        disabled: &dyn Fn(&str) -> bool,
        ev: &Event,
    ) -> Vec<Hit> {
        let mut out = Vec::new();
        if let Some(t) = ev.time() {
            self.now = self.now.max(t);
        }
        let t = self.now;
        let start = *self.start.get_or_insert(t);
        let learning = t - start < cfg.first_seen.learning_secs;

        // Only one stage per request counts (a request can log four).
        let last_stage = matches!(ev.stage.as_str(), "ResponseComplete" | "Panic");
        if last_stage && matches!(ev.code(), Some(401 | 403)) {
            let user = if ev.username().is_empty() {
                "<unauthenticated>"
            } else {
                ev.username()
            };
            let ip = ev.source_ips.first().map_or("<none>", String::as_str);
            let ua = if ev.user_agent.is_empty() {
                "<none>"
            } else {
                ev.user_agent.as_str()
            };
            for (burst, key, meta, dim) in [
                (&mut self.user, user, &BURST_USER, "user"),
                (&mut self.ip, ip, &BURST_IP, "source IP"),
                (&mut self.ua, ua, &BURST_UA, "user agent"),
            ] {
                if disabled(meta.id) {
                    continue;
                }
                if let Some((n, top)) = burst.record(key, t, &cfg.burst) {
                    let tops: Vec<String> = top.iter().map(|(k, c)| format!("{k} ({c})")).collect();
                    let mut h = Hit::new(
                        meta,
                        format!(
                            "{n} refused requests (401/403) by {dim} {key} within {}s; top offenders: {}",
                            cfg.burst.window_secs,
                            tops.join(", ")
                        ),
                    );
                    h.subject = Some(key.to_string());
                    out.push(h);
                }
            }
        }

        if last_stage {
            let subject = ev.username();
            if ev.resource() == "serviceaccounts"
                && ev.subresource() == "token"
                && ev.verb == "create"
                && !disabled(UNUSUAL_TOKEN.id)
            {
                let usual = cfg.token_requesters.iter().any(|g| glob(g, subject))
                    || self.token_requesters.contains(subject);
                if learning {
                    if !self.token_requesters.contains(subject) {
                        self.token_requesters.insert(subject.to_string());
                    }
                } else if !usual {
                    let mut h = Hit::new(
                        &UNUSUAL_TOKEN,
                        format!(
                            "{subject} requested a token for service account {}/{} (resp={})",
                            ev.namespace(),
                            ev.name(),
                            ev.code().map_or("-".into(), |c| c.to_string())
                        ),
                    );
                    h.subject = Some(subject.to_string());
                    out.push(h);
                }
            }
            if let Some(imp) = &ev.impersonated_user
                && !disabled(UNUSUAL_IMPERSONATION.id)
            {
                let usual = cfg.impersonators.iter().any(|g| glob(g, subject))
                    || self.impersonators.contains(subject);
                if learning {
                    if !self.impersonators.contains(subject) {
                        self.impersonators.insert(subject.to_string());
                    }
                } else if !usual {
                    let mut h = Hit::new(
                        &UNUSUAL_IMPERSONATION,
                        format!(
                            "{subject} impersonated {} (groups {}) to {} {}",
                            imp.username,
                            imp.groups.join(","),
                            ev.verb,
                            ev.request_uri
                        ),
                    );
                    h.subject = Some(subject.to_string());
                    out.push(h);
                }
            }

            if !disabled(FIRST_SEEN.id) && !ev.verb.is_empty() {
                // namespace NUL subject NUL verb NUL resource[/subresource]
                let key = &mut self.key;
                key.clear();
                for part in [ev.namespace(), "\0", subject, "\0", &ev.verb, "\0"] {
                    key.push_str(part);
                }
                let res_at = key.len();
                key.push_str(ev.resource());
                if !ev.subresource().is_empty() {
                    key.push('/');
                    key.push_str(ev.subresource());
                }
                if !self.seen.contains(key.as_str()) {
                    if self.seen.len() >= cfg.first_seen.max_entries {
                        self.first_seen_dropped += 1;
                    } else {
                        self.seen.insert(key.clone());
                        let res = &self.key[res_at..];
                        if !learning {
                            let ns = if ev.namespace().is_empty() {
                                "(cluster scope)"
                            } else {
                                ev.namespace()
                            };
                            let mut h = Hit::new(
                                &FIRST_SEEN,
                                format!(
                                    "first time {subject} did {} on {res} in {ns} (after {}s of learning)",
                                    ev.verb, cfg.first_seen.learning_secs
                                ),
                            );
                            h.subject = Some(subject.to_string());
                            out.push(h);
                        }
                    }
                }
            }
        }
        out
    }
}
