//! Scores from a host benchmark (`bulwark node`): the node is the one
//! evaluated object of every control its benchmark judged.

use crate::framework::Framework;
use crate::score::{ControlScore, FrameworkScore, Status, framework_score, round};

/// What a host benchmark said about one control (kube-bench's statuses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostVerdict {
    Pass,
    Fail,
    /// A person must decide (kube-bench's WARN).
    Manual,
    /// The benchmark could not see what it needed.
    NotEvaluated,
}

/// Scores `framework` from one host's results, `(control id, verdict)`.
/// A control the results do not name is not evaluated (or manual, when the
/// framework says so), never a pass.
pub fn score_host(framework: &Framework, results: &[(String, HostVerdict)]) -> FrameworkScore {
    let controls = framework
        .controls
        .iter()
        .map(|c| {
            let mut out = ControlScore::unevaluated(c);
            let verdict = results.iter().find(|(id, _)| *id == c.id).map(|(_, v)| *v);
            match verdict {
                Some(HostVerdict::Pass | HostVerdict::Fail) => {
                    let pass = verdict == Some(HostVerdict::Pass);
                    out.status = if pass { Status::Pass } else { Status::Fail };
                    out.evaluated = 1;
                    out.passed = usize::from(pass);
                    out.score = Some(round(out.passed as f64 * 100.0));
                }
                Some(HostVerdict::Manual) => out.status = Status::Manual,
                None if c.manual => out.status = Status::Manual,
                Some(HostVerdict::NotEvaluated) | None => {}
            }
            out
        })
        .collect();
    framework_score(framework, controls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_one_object_per_judged_control() {
        let cis = crate::find("cis").unwrap();
        let v = |id: &str, h| (id.to_string(), h);
        let r = score_host(
            cis,
            &[
                v("1.2.2", HostVerdict::Pass),
                v("4.2.1", HostVerdict::Fail),
                v("1.1.9", HostVerdict::Manual),
                v("1.1.1", HostVerdict::NotEvaluated),
            ],
        );
        let c = |id: &str| r.controls.iter().find(|c| c.id == id).unwrap();
        assert_eq!(
            (c("1.2.2").status, c("1.2.2").passed, c("1.2.2").evaluated),
            (Status::Pass, 1, 1)
        );
        assert_eq!(
            (c("4.2.1").status, c("4.2.1").passed, c("4.2.1").evaluated),
            (Status::Fail, 0, 1)
        );
        assert_eq!(c("1.1.9").status, Status::Manual);
        // Not seen, and not named at all: never a pass.
        assert_eq!(c("1.1.1").status, Status::NotEvaluated);
        assert_eq!(c("1.2.4").status, Status::NotEvaluated);
        // A manual control the results do not name stays manual.
        assert_eq!(c("5.3.1").status, Status::Manual);
        assert_eq!(r.score, Some(50.0));
        assert_eq!((r.counts.pass, r.counts.fail), (1, 1));
    }
}
