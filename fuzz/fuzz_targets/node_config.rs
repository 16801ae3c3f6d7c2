//! The node config parsers on arbitrary input: the first line is a command
//! line (component flags), the rest a config file (kubelet config,
//! encryption and audit config, kubeconfig, static pod) read as the CLI
//! reads it and judged by every node check.
#![no_main]

use std::sync::Arc;

use bulwark_core::{Analyzer, Inventory, Origin, Resource};
use bulwark_node::component::Component;
use libfuzzer_sys::fuzz_target;

const COMPONENTS: &[Component] = &[
    Component::ApiServer,
    Component::ControllerManager,
    Component::Scheduler,
    Component::Etcd,
    Component::Kubelet,
    Component::Proxy,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (argv, config) = text.split_once('\n').unwrap_or((text, ""));
    let args: Vec<String> = argv.split_whitespace().map(str::to_string).collect();
    for c in COMPONENTS {
        let _ = bulwark_node::flags::parse_args(&args, *c);
    }
    let (docs, _) = bulwark_load::yaml::parse_all(config, bulwark_load::Budget::default());
    let file: Arc<str> = Arc::from("fuzz.yaml");
    let resources: Vec<Resource> = docs
        .into_iter()
        .filter(|d| d.value.is_object())
        .map(|d| {
            Resource::new(
                d.value,
                Origin { file: Some(file.clone()), document: d.index, item: None },
                Some(d.spans),
            )
        })
        .collect();
    let inv = Inventory::new(resources);
    let mut out = Vec::new();
    bulwark_node::NodeConfigAnalyzer.analyze(&inv, &mut out);
});
