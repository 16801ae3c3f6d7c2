//! Findings grouped by file, then object, then rule: the shape the table and
//! JUnit outputs share.

use std::collections::HashMap;

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
        // Index by rule id: one lookup per finding, not a scan of the rules.
        let mut at: HashMap<&'a str, usize> = HashMap::new();
        for f in &self.findings {
            match at.get(&*f.rule_id) {
                Some(&i) => rules[i].1.push(f),
                None => {
                    at.insert(&f.rule_id, rules.len());
                    rules.push((&f.rule_id, vec![f]));
                }
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
    // The objects of the current file group, by object: one lookup per
    // finding (a file of 100,000 objects is not scanned per finding).
    let mut objects: HashMap<&ObjectRef, usize> = HashMap::new();
    for f in sorted {
        let file = f.location.as_ref().map(|l| l.file.as_str());
        if files.last().is_none_or(|g| g.file != file) {
            files.push(FileGroup {
                file,
                objects: Vec::new(),
            });
            objects.clear();
        }
        let last = files.len() - 1;
        let group = &mut files[last];
        match objects.get(&f.object) {
            Some(&i) => group.objects[i].findings.push(f),
            None => {
                objects.insert(&f.object, group.objects.len());
                group.objects.push(ObjectGroup {
                    object: &f.object,
                    findings: vec![f],
                });
            }
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
