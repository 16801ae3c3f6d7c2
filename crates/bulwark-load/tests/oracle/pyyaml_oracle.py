"""The differential oracle for bulwark's YAML loader: PyYAML (a YAML 1.1
loader, like go-yaml v2, both ports of libyaml's scanner) with the few
places where go-yaml v2 + sigs.k8s.io/yaml type scalars differently from
PyYAML restated below, each with why. Reads file paths (one per line) on
stdin, prints one JSON line per file: {"file", "docs"} or {"file", "error"}.

Known differences between PyYAML and go-yaml v2, and what this oracle does:
1. Timestamps (`2024-01-02`): PyYAML makes datetimes; go-yaml v2 gives
   strings to interface{} (resolve.go: "for backward compatibility reasons
   we set it as a string"). Oracle: strings.
2. Booleans: go-yaml v2 also reads `y Y n N` as booleans (resolve.go's
   table); PyYAML does not. Oracle: go-yaml's table.
3. Integers: go-yaml v2 uses Go's ParseInt(s, 0, 64) after dropping `_`:
   `0o17` is 15 there, a string in PyYAML; PyYAML's base-60 `1:30` is an
   int, a string in go-yaml. Oracle: Go's forms.
4. Floats: go-yaml v2 accepts `1e3` and `1.` (yamlStyleFloat), PyYAML
   needs a dot and takes `1_0.5`, base-60 floats. Oracle: go-yaml's regex.
5. JSON: the API server decodes whole floats as int64 (`1.0` -> 1) and
   sigs.k8s.io/yaml stringifies mapping keys (`on:` -> "true", `1:` ->
   "1"). Oracle: the same. NaN/Inf have no JSON form (kubectl fails);
   bulwark keeps their text, the oracle too.
6. `!!binary`: PyYAML gives bytes; go-yaml v2 gives the decoded string.
   Oracle: bytes decoded as UTF-8 (replacement on error).
7. Local tags (`!mux`, `!Ref`): PyYAML's safe loader refuses them; go-yaml
   v2 decodes the node as if untagged-but-not-plain (a scalar stays a
   string, a mapping a mapping). Oracle: the same.
8. Tabs as white space inside flow collections: libyaml and go-yaml take
   them, PyYAML's scanner refuses them. The oracle cannot say; the test's
   KNOWN list names the files.
"""
import json
import re
import sys

import yaml


class GoYamlLoader(yaml.SafeLoader):
    pass


# Start from PyYAML's resolvers minus the four that differ.
GoYamlLoader.yaml_implicit_resolvers = {
    k: [(t, r) for (t, r) in v if t not in (
        "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
# Go ParseInt base 0 (underscores removed first by go-yaml).
INT = re.compile(r"^[-+]?(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|0[0-7_]*|[1-9][0-9_]*)$")
# go-yaml v2 yamlStyleFloat (after dropping `_`), plus the special values.
FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
GoYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", BOOL, list("yYnNtTfFoO"))
GoYamlLoader.add_implicit_resolver("tag:yaml.org,2002:int", INT, list("-+0123456789"))
GoYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+0123456789."))

BOOL_VALUES = {"y": True, "yes": True, "true": True, "on": True,
               "n": False, "no": False, "false": False, "off": False}


def construct_bool(loader, node):
    return BOOL_VALUES[loader.construct_scalar(node).lower()]


def construct_int(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    try:
        if body[:2] in ("0b", "0B"):
            v = int(body[2:], 2)
        elif body[:2] in ("0o", "0O"):
            v = int(body[2:], 8)
        elif body[:2] in ("0x", "0X"):
            v = int(body[2:], 16)
        elif len(body) > 1 and body[0] == "0":
            v = int(body, 8)
        else:
            v = int(body, 10)
    except ValueError:
        return text
    v *= sign
    if -2**63 <= v < 2**63:
        return v
    if 0 <= v < 2**64:
        return float(v)  # uint64: a float once the API server decodes it
    return loader.construct_scalar(node)


def construct_float(loader, node):
    raw = loader.construct_scalar(node)
    text = raw.replace("_", "")
    low = text.lower()
    if low in (".inf", "+.inf", "-.inf", ".nan"):
        return raw  # no JSON form: the text, as bulwark keeps it
    try:
        f = float(text)
    except ValueError:
        return raw
    if f in (float("inf"), float("-inf")):
        return raw
    return f


def construct_binary(loader, node):
    return loader.construct_yaml_binary(node).decode("utf-8", "replace")


GoYamlLoader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
GoYamlLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
GoYamlLoader.add_constructor("tag:yaml.org,2002:float", construct_float)
GoYamlLoader.add_constructor("tag:yaml.org,2002:binary", construct_binary)
GoYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda l, n: l.construct_scalar(n))


def construct_local(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


GoYamlLoader.add_multi_constructor("!", construct_local)


def key(k):
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return repr(k) if k != int(k) else str(int(k))
    if k is None:
        raise ValueError("null mapping key")
    return str(k)


def to_json(v):
    if isinstance(v, dict):
        return {key(k): to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, float) and v == int(v) and -2**63 <= v < 2**63:
        return int(v)
    return v


for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        docs = [to_json(d) for d in yaml.load_all(text, Loader=GoYamlLoader)]
        print(json.dumps({"file": path, "docs": [d for d in docs if d is not None]}))
    except Exception as e:  # noqa: BLE001 - any failure is the oracle's "no"
        print(json.dumps({"file": path, "error": f"{type(e).__name__}: {e}"[:300]}))
    sys.stdout.flush()
