//! Findings grouped by file, then object, then rule: the shape the table and
//! JUnit outputs share.

use bulwark_core::{Finding, ObjectRef};

/// Findings of one file (`None`: objects that never were in a file).
pub(crate) struct FileGroup<'a> {
    pub file: Option<&'a str>,
    /// In order of each object's first finding, i.e. by line.
    pub objects: Vec<ObjectGroup<'a>>,
}

pub(crate) struct ObjectGroup<'a> {
    pub object: &'a ObjectRef,
    pub findings: Vec<&'a Finding>,
}

impl<'a> ObjectGroup<'a> {
    /// This object's findings per rule, in order of each rule's first finding.
    pub fn by_rule(&self) -> Vec<(&'a str, Vec<&'a Finding>)> {
        let mut rules: Vec<(&'a str, Vec<&'a Finding>)> = Vec::new();
        for f in &self.findings {
            match rules.iter_mut().find(|(id, _)| *id == f.rule_id) {
                Some((_, v)) => v.push(f),
                None => rules.push((&f.rule_id, vec![f])),
            }
        }
        rules
    }
}

/// Groups `findings` by file and object. The findings are sorted first (a
/// no-op on pipeline output), so files come in path order, objects by line.
pub(crate) fn by_file(findings: &[Finding]) -> Vec<FileGroup<'_>> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut files: Vec<FileGroup<'_>> = Vec::new();
    for f in sorted {
        let file = f.location.as_ref().map(|l| l.file.as_str());
        let group = match files.last_mut() {
            Some(g) if g.file == file => g,
            _ => {
                files.push(FileGroup {
                    file,
                    objects: Vec::new(),
                });
                let last = files.len() - 1;
                &mut files[last]
            }
        };
        match group.objects.iter_mut().find(|o| *o.object == f.object) {
            Some(o) => o.findings.push(f),
            None => group.objects.push(ObjectGroup {
                object: &f.object,
                findings: vec![f],
            }),
        }
    }
    files
}

/// `1 finding`, `2 findings`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
