#!/usr/bin/env python3
"""Generate a realistic Kubernetes audit log (audit.k8s.io/v1 Event JSON lines).

Usage: audit_gen.py N OUT

Mix (by event count, fixed seed): control-plane and node reads/watches
(~55%), lease/endpoint updates (~12%), user reads (~12%), health probes
(~5%), secret reads (~3%), writes with a request object (pods, deployments,
configmaps, roles: ~4%, RequestResponse level), 401/403 refusals (~4%, some
in bursts from one address), exec/port-forward (~1%), token requests and
impersonation (~1%), the rest assorted metadata-level writes; a request
logs a ResponseStarted stage for watches and exec, ResponseComplete for all.
"""
import json
import random
import sys

N = int(sys.argv[1])
OUT = sys.argv[2]
rnd = random.Random(42)

NS = ["default", "kube-system", "payments", "web", "monitoring", "ci"] + [f"team-{i}" for i in range(20)]
USERS = ["alice@example.com", "bob@example.com", "carol@example.com", "deploy-bot", "kubernetes-admin"]
CONTROLLERS = ["system:kube-controller-manager", "system:kube-scheduler",
               "system:serviceaccount:kube-system:replicaset-controller",
               "system:serviceaccount:kube-system:endpointslice-controller",
               "system:serviceaccount:monitoring:prometheus"]
NODES = [f"system:node:node-{i}" for i in range(30)]
RES = ["pods", "services", "configmaps", "deployments", "replicasets", "endpoints", "events", "nodes"]
UA = ["kubectl/v1.33.1 (linux/amd64) kubernetes/abc", "kube-controller-manager/v1.33.1", "kubelet/v1.33.1",
      "Go-http-client/2.0", "python-requests/2.31"]

t0 = 1767225600.0  # 2026-01-01T00:00:00Z


def ts(t):
    s = int(t)
    us = int((t - s) * 1e6)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{us:06d}Z"


def ev(i, t, user, verb, res, ns, name="", sub="", code=200, level="Metadata", stage="ResponseComplete",
       ip=None, ua=None, req=None, uri=None, imp=None):
    path = f"/api/v1/namespaces/{ns}/{res}" + (f"/{name}" if name else "") + (f"/{sub}" if sub else "")
    e = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level,
        "auditID": f"{i:08x}-7bf4-4c85-81a8-1b11253d1ba6", "stage": stage,
        "requestURI": uri or path, "verb": verb,
        "user": {"username": user, "uid": f"uid-{sum(map(ord, user)) % 10000}", "groups": ["system:authenticated"]},
        "sourceIPs": [ip or f"10.0.{rnd.randint(0, 3)}.{rnd.randint(1, 254)}"],
        "userAgent": ua or rnd.choice(UA),
        "objectRef": {"resource": res, "namespace": ns, "name": name, "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": ts(t), "stageTimestamp": ts(t + 0.003),
        "annotations": {"authorization.k8s.io/decision": "allow" if code < 400 else "forbid",
                        "authorization.k8s.io/reason": ""},
    }
    if sub:
        e["objectRef"]["subresource"] = sub
    if req is not None:
        e["requestObject"] = req
    if imp:
        e["impersonatedUser"] = {"username": imp, "groups": ["system:masters"]}
    return e


def pod(name, ns, bad):
    c = {"name": "app", "image": rnd.choice(["nginx:1.27", "registry.example.com/app:v3", "busybox"]),
         "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}
    spec = {"containers": [c], "serviceAccountName": "default"}
    if bad == 1:
        c["securityContext"] = {"privileged": True}
    elif bad == 2:
        spec["hostNetwork"] = True
    elif bad == 3:
        spec["volumes"] = [{"name": "h", "hostPath": {"path": "/var/run/docker.sock"}}]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns,
            "labels": {"app": "web"}}, "spec": spec}


with open(OUT, "w") as f:
    t = t0
    i = 0
    while i < N:
        t += rnd.expovariate(2000.0)  # ~2000 events/s of cluster time
        r = rnd.random()
        ns = rnd.choice(NS)
        if r < 0.40:
            e = ev(i, t, rnd.choice(CONTROLLERS + NODES), rnd.choice(["get", "list", "watch"]), rnd.choice(RES), ns,
                   name=f"obj-{rnd.randint(0, 500)}")
        elif r < 0.55:
            e = ev(i, t, rnd.choice(NODES), "watch", rnd.choice(RES), ns, stage=rnd.choice(["ResponseStarted", "ResponseComplete"]))
        elif r < 0.67:
            e = ev(i, t, rnd.choice(CONTROLLERS + NODES), rnd.choice(["update", "patch"]), rnd.choice(["leases", "endpoints", "events"]),
                   ns, name=f"obj-{rnd.randint(0, 500)}")
        elif r < 0.79:
            e = ev(i, t, rnd.choice(USERS), rnd.choice(["get", "list"]), rnd.choice(RES), ns, name=f"obj-{rnd.randint(0, 50)}",
                   ip=f"192.168.1.{rnd.randint(1, 40)}")
        elif r < 0.84:
            e = ev(i, t, "system:anonymous", "get", "", "", uri=rnd.choice(["/healthz", "/readyz", "/livez"]))
            e["objectRef"] = None
        elif r < 0.87:
            e = ev(i, t, rnd.choice(USERS + CONTROLLERS), "get", "secrets", ns, name=f"s-{rnd.randint(0, 30)}",
                   code=rnd.choice([200, 200, 200, 403]))
        elif r < 0.91:
            kind = rnd.random()
            if kind < 0.5:
                req = pod(f"web-{i}", ns, rnd.choice([0] * 17 + [1, 2, 3]))
                e = ev(i, t, "system:serviceaccount:kube-system:replicaset-controller", "create", "pods", ns,
                       code=201, level="RequestResponse", req=req)
            elif kind < 0.8:
                data = {"app.properties": "color=blue\nsize=3\n"}
                if rnd.random() < 0.1:
                    data["db.properties"] = "user=app\npassword=hunter2\n"
                e = ev(i, t, rnd.choice(USERS), rnd.choice(["create", "update"]), "configmaps", ns, name=f"cm-{i}",
                       code=201, level="RequestResponse",
                       req={"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": f"cm-{i}", "namespace": ns}, "data": data})
            else:
                verbs = rnd.choice([["get", "list"], ["get", "create", "delete"], ["*"]])
                e = ev(i, t, rnd.choice(USERS), "create", "roles", ns, name=f"role-{i}", code=201, level="RequestResponse",
                       req={"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
                            "metadata": {"name": f"role-{i}", "namespace": ns},
                            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/exec"], "verbs": verbs}]})
                e["objectRef"]["apiGroup"] = "rbac.authorization.k8s.io"
        elif r < 0.95:
            if rnd.random() < 0.3:
                ip = "203.0.113.66"
                user = ""
            else:
                ip = f"198.51.100.{rnd.randint(1, 250)}"
                user = rnd.choice(USERS + ["mallory"])
            e = ev(i, t, user, rnd.choice(["get", "list"]), rnd.choice(RES + ["secrets"]), ns, code=rnd.choice([401, 403]), ip=ip,
                   ua=rnd.choice(UA + ["curl/8.5.0"]))
        elif r < 0.96:
            sub = rnd.choice(["exec", "exec", "attach", "portforward"])
            e = ev(i, t, rnd.choice(USERS), "create", "pods", ns, name=f"web-{rnd.randint(0, 99)}", sub=sub, code=101,
                   stage="ResponseStarted", uri=f"/api/v1/namespaces/{ns}/pods/web-1/{sub}?command=sh&stdin=true")
        elif r < 0.97:
            if rnd.random() < 0.5:
                e = ev(i, t, rnd.choice(NODES + USERS[:1]), "create", "serviceaccounts", ns, name="default", sub="token", code=201)
            else:
                e = ev(i, t, rnd.choice(["deploy-bot", "alice@example.com"]), "get", "pods", ns, imp="system:admin")
        else:
            e = ev(i, t, rnd.choice(USERS + CONTROLLERS), rnd.choice(["create", "delete", "patch"]),
                   rnd.choice(["deployments", "services", "namespaces", "serviceaccounts", "clusterrolebindings"]), ns,
                   name=f"o-{rnd.randint(0, 1000)}", code=rnd.choice([200, 201]))
        f.write(json.dumps(e, separators=(",", ":")))
        f.write("\n")
        i += 1
