#!/usr/bin/env python3
"""Writes N realistic Kubernetes objects into a directory, for benchmarks.

Mixed kinds (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods,
Services, Ingresses, ConfigMaps, Secrets, ServiceAccounts, RBAC,
NetworkPolicies, HPAs, PDBs, Namespaces), mixed sizes (a ConfigMap may
hold a few keys or a few hundred lines of config), some insecure fields
(privileged, hostPath, hostNetwork, :latest, added capabilities, literal
passwords), grouped 1-6 documents per file in per-namespace directories,
with a few `kind: List` files and JSON files as kubectl writes them.

Deterministic for a given --seed.

    bench/gen.py --objects 10000 --out /tmp/bulwark-bench/10k
    bench/gen.py --objects 100000 --out /tmp/x --single-file   # one stream
"""

import argparse
import json
import os
import random

KINDS = [
    ("Deployment", 18), ("StatefulSet", 4), ("DaemonSet", 2), ("CronJob", 4),
    ("Job", 2), ("Pod", 4), ("Service", 15), ("Ingress", 5), ("ConfigMap", 12),
    ("Secret", 3), ("ServiceAccount", 6), ("Role", 3), ("RoleBinding", 3),
    ("ClusterRole", 2), ("ClusterRoleBinding", 2), ("NetworkPolicy", 6),
    ("HorizontalPodAutoscaler", 3), ("PodDisruptionBudget", 3), ("Namespace", 2),
]

IMAGES = ["nginx", "redis", "postgres", "ghcr.io/acme/api", "registry.k8s.io/pause",
          "quay.io/prometheus/node-exporter", "docker.io/library/busybox", "acme/worker"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    def name(self, i):
        words = ["api", "web", "cart", "auth", "billing", "search", "queue", "cache", "mail",
                 "report", "gateway", "media", "orders", "users", "audit"]
        return f"{self.r.choice(words)}-{i}"

    def image(self):
        img = self.r.choice(IMAGES)
        roll = self.r.random()
        if roll < 0.08:
            return f"{img}:latest"
        if roll < 0.12:
            return img
        if roll < 0.30:
            return f"{img}@sha256:{self.r.getrandbits(256):064x}"
        return f"{img}:{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"

    def container(self, name, insecure):
        c = {"name": name, "image": self.image()}
        if self.chance(0.5):
            c["imagePullPolicy"] = self.r.choice(["IfNotPresent", "Always"])
        if self.chance(0.6):
            c["args"] = [f"--port={self.r.randint(1024, 9000)}", "--log-level=info"]
        if self.chance(0.7):
            c["ports"] = [{"name": "http", "containerPort": self.r.choice([80, 8080, 8443, 9090]),
                           "protocol": "TCP"}]
            if insecure and self.chance(0.2):
                c["ports"][0]["hostPort"] = c["ports"][0]["containerPort"]
        env = []
        for j in range(self.r.choice([0, 0, 2, 5, 10, 30])):
            env.append({"name": f"SETTING_{j}", "value": str(self.r.randint(0, 10**6))})
        if insecure and self.chance(0.3):
            env.append({"name": "DB_PASSWORD", "value": "hunter2-" + str(self.r.getrandbits(40))})
        if self.chance(0.4):
            env.append({"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}})
        if env:
            c["env"] = env
        if self.chance(0.75):
            c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}}
            if self.chance(0.7):
                c["resources"]["limits"] = {"cpu": "1", "memory": "512Mi"}
        if self.chance(0.6):
            c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
            c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
        sc = {}
        if insecure:
            if self.chance(0.3):
                sc["privileged"] = True
            if self.chance(0.3):
                sc["capabilities"] = {"add": [self.r.choice(["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE"])]}
            if self.chance(0.3):
                sc["runAsUser"] = 0
            if self.chance(0.2):
                sc["allowPrivilegeEscalation"] = True
        elif self.chance(0.8):
            sc = {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                  "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
                  "seccompProfile": {"type": "RuntimeDefault"}}
        if sc:
            c["securityContext"] = sc
        if self.chance(0.5):
            c["volumeMounts"] = [{"name": "config", "mountPath": "/etc/app", "readOnly": True}]
        return c

    def pod_spec(self, base, insecure):
        spec = {"serviceAccountName": base}
        if self.chance(0.3):
            spec["automountServiceAccountToken"] = False
        spec["containers"] = [self.container(base if i == 0 else f"sidecar-{i}", insecure)
                              for i in range(self.r.choice([1, 1, 1, 2, 2, 3, 4]))]
        if self.chance(0.2):
            spec["initContainers"] = [self.container("init", insecure)]
        if insecure:
            if self.chance(0.2):
                spec["hostNetwork"] = True
            if self.chance(0.1):
                spec["hostPID"] = True
        vols = [{"name": "config", "configMap": {"name": base, "defaultMode": 0o644}}]
        if insecure and self.chance(0.2):
            vols.append({"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}})
        spec["volumes"] = vols
        if self.chance(0.3):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if self.chance(0.2):
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "apps", "effect": "NoSchedule"}]
        if not insecure and self.chance(0.8):
            spec["securityContext"] = {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001}
        return spec

    def meta(self, name, ns, labels=True):
        m = {"name": name}
        if ns:
            m["namespace"] = ns
        if labels:
            m["labels"] = {"app.kubernetes.io/name": name.rsplit("-", 1)[0],
                           "app.kubernetes.io/part-of": "shop"}
        if self.chance(0.2):
            m["annotations"] = {"owner": "team-" + self.r.choice("abcdef"),
                                "description": "generated for the bulwark benchmark"}
        return m

    def template(self, name, insecure):
        return {"metadata": {"labels": {"app": name}}, "spec": self.pod_spec(name, insecure)}

    def obj(self, kind, i, ns):
        n = self.name(i)
        insecure = self.chance(0.25)
        if kind == "Deployment":
            return {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"replicas": self.r.randint(1, 5), "selector": {"matchLabels": {"app": n}},
                             "strategy": {"type": "RollingUpdate"},
                             "template": self.template(n, insecure)}}
        if kind == "StatefulSet":
            return {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"serviceName": n, "replicas": 3, "selector": {"matchLabels": {"app": n}},
                             "template": self.template(n, insecure),
                             "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                                       "spec": {"accessModes": ["ReadWriteOnce"],
                                                                "resources": {"requests": {"storage": "10Gi"}}}}]}}
        if kind == "DaemonSet":
            return {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"selector": {"matchLabels": {"app": n}}, "template": self.template(n, insecure)}}
        if kind == "CronJob":
            return {"apiVersion": "batch/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"schedule": "*/15 * * * *", "concurrencyPolicy": "Forbid",
                             "jobTemplate": {"spec": {"backoffLimit": 2, "template": self.template(n, insecure)}}}}
        if kind == "Job":
            return {"apiVersion": "batch/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"template": self.template(n, insecure)}}
        if kind == "Pod":
            return {"apiVersion": "v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": self.pod_spec(n, insecure)}
        if kind == "Service":
            t = "ClusterIP"
            if self.chance(0.1):
                t = self.r.choice(["NodePort", "LoadBalancer"])
            s = {"type": t, "selector": {"app": n},
                 "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
            if insecure and self.chance(0.1):
                s["externalIPs"] = ["203.0.113.10"]
            return {"apiVersion": "v1", "kind": kind, "metadata": self.meta(n, ns), "spec": s}
        if kind == "Ingress":
            m = self.meta(n, ns)
            if insecure and self.chance(0.3):
                m.setdefault("annotations", {})["nginx.ingress.kubernetes.io/configuration-snippet"] = "more_set_headers \"X: y\";"
            spec = {"ingressClassName": "nginx",
                    "rules": [{"host": f"{n}.example.com", "http": {"paths": [
                        {"path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": n, "port": {"number": 80}}}}]}}]}
            if not insecure:
                spec["tls"] = [{"hosts": [f"{n}.example.com"], "secretName": f"{n}-tls"}]
            return {"apiVersion": "networking.k8s.io/v1", "kind": kind, "metadata": m, "spec": spec}
        if kind == "ConfigMap":
            size = self.r.choice([2, 5, 10, 40, 200])
            data = {f"key_{j}": f"value-{self.r.getrandbits(32)}" for j in range(size)}
            if self.chance(0.3):
                lines = "\n".join(f"setting.{j} = {self.r.getrandbits(24)}" for j in range(self.r.choice([20, 100, 400])))
                data["app.properties"] = lines + "\n"
            if insecure and self.chance(0.2):
                data["aws_access_key_id"] = "AKIA" + "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
            return {"apiVersion": "v1", "kind": kind, "metadata": self.meta(n, ns), "data": data}
        if kind == "Secret":
            return {"apiVersion": "v1", "kind": kind, "metadata": self.meta(n, ns), "type": "Opaque",
                    "data": {"password": "aHVudGVyMg==", "token": "c2VjcmV0LXRva2Vu"}}
        if kind == "ServiceAccount":
            o = {"apiVersion": "v1", "kind": kind, "metadata": self.meta(n, ns)}
            if self.chance(0.5):
                o["automountServiceAccountToken"] = False
            return o
        if kind in ("Role", "ClusterRole"):
            verbs = ["*"] if insecure and self.chance(0.3) else ["get", "list", "watch"]
            res = ["secrets"] if insecure and self.chance(0.3) else ["pods", "services", "configmaps"]
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                    "metadata": self.meta(n, ns if kind == "Role" else None, labels=False),
                    "rules": [{"apiGroups": [""], "resources": res, "verbs": verbs}]}
        if kind in ("RoleBinding", "ClusterRoleBinding"):
            ref_kind = "Role" if kind == "RoleBinding" else "ClusterRole"
            subj = {"kind": "ServiceAccount", "name": n, "namespace": ns}
            if insecure and self.chance(0.2):
                subj = {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                    "metadata": self.meta(n, ns if kind == "RoleBinding" else None, labels=False),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": n},
                    "subjects": [subj]}
        if kind == "NetworkPolicy":
            return {"apiVersion": "networking.k8s.io/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"podSelector": {"matchLabels": {"app": n}}, "policyTypes": ["Ingress", "Egress"],
                             "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "gateway"}}},
                                                   {"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                                          "ports": [{"protocol": "TCP", "port": 8080}]}],
                             "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}}
        if kind == "HorizontalPodAutoscaler":
            return {"apiVersion": "autoscaling/v2", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": n},
                             "minReplicas": 2, "maxReplicas": 10,
                             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                                 "type": "Utilization", "averageUtilization": 70}}}]}}
        if kind == "PodDisruptionBudget":
            return {"apiVersion": "policy/v1", "kind": kind, "metadata": self.meta(n, ns),
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": n}}}}
        if kind == "Namespace":
            labels = {} if insecure else {"pod-security.kubernetes.io/enforce": "restricted"}
            return {"apiVersion": "v1", "kind": kind, "metadata": {"name": f"ns-{i}", "labels": labels}}
        raise ValueError(kind)


def to_yaml(v, indent=0, out=None):
    """A small YAML writer in kubectl's style (block style, `- ` lists,
    quoted strings where YAML 1.1 would retype them, literal blocks)."""
    top = out is None
    out = [] if top else out
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            out.append("{}")
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{k}:\n")
                if isinstance(x, list):
                    to_yaml(x, indent, out)
                else:
                    to_yaml(x, indent + 1, out)
            else:
                out.append(f"{pad}{k}: {scalar(x, indent + 1)}\n")
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict) and x:
                sub = []
                to_yaml(x, indent + 1, sub)
                text = "".join(sub)
                out.append(pad + "- " + text[len(pad) + 2:])
            else:
                out.append(f"{pad}- {scalar(x, indent + 1)}\n")
    return "".join(out) if top else None


PLAIN_UNSAFE = set("yes no on off y n true false null ~ Yes No On Off True False".split())


def scalar(x, indent):
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, dict):
        return "{}"
    if isinstance(x, list):
        return "[]"
    s = str(x)
    if "\n" in s:
        pad = "  " * indent
        return "|\n" + "".join(pad + line + "\n" for line in s.rstrip("\n").split("\n")).rstrip("\n")
    if (s in PLAIN_UNSAFE or not s or s[0] in "-?:,[]{}#&*!|>'\"%@`0123456789." or ": " in s
            or " #" in s or s.endswith(":")):
        return json.dumps(s)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--objects", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--single-file", action="store_true",
                    help="write one multi-document stream, all.yaml")
    a = ap.parse_args()
    g = Gen(a.seed)
    kinds = [k for k, w in KINDS for _ in range(w)]
    os.makedirs(a.out, exist_ok=True)
    single = open(os.path.join(a.out, "all.yaml"), "w") if a.single_file else None
    i = 0
    files = 0
    total = 0
    while i < a.objects:
        ns = f"team-{(i // 200) % 50:02d}"
        group = min(g.r.choice([1, 1, 2, 3, 4, 6]), a.objects - i)
        objs = [g.obj(g.r.choice(kinds), i + j, ns) for j in range(group)]
        i += group
        style = g.r.random()
        if single is not None:
            text = "".join("---\n" + to_yaml(o) for o in objs)
            single.write(text)
            total += len(text)
            continue
        d = os.path.join(a.out, ns)
        os.makedirs(d, exist_ok=True)
        base = objs[0]["metadata"]["name"]
        if style < 0.02:
            path = os.path.join(d, f"{base}-{files}.json")
            text = json.dumps(objs[0] if len(objs) == 1 else
                              {"apiVersion": "v1", "kind": "List", "items": objs}, indent=4) + "\n"
        elif style < 0.05:
            path = os.path.join(d, f"{base}-{files}-list.yaml")
            text = to_yaml({"apiVersion": "v1", "kind": "List", "items": objs,
                            "metadata": {"resourceVersion": ""}})
        else:
            path = os.path.join(d, f"{base}-{files}.yaml")
            text = "".join(("---\n" if k else "") + "# generated\n" + to_yaml(o)
                           for k, o in enumerate(objs))
        with open(path, "w") as f:
            f.write(text)
        files += 1
        total += len(text)
    if single is not None:
        single.close()
        files = 1
    print(f"{a.objects} objects, {files} files, {total} bytes in {a.out}")


if __name__ == "__main__":
    main()
