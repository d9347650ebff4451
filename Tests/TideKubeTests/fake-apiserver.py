#!/usr/bin/env python3
"""A fake Kubernetes API server for Tide's tests: nodes, pods, bindings and
events, with the real server's semantics where Tide depends on them.

- Every write bumps one cluster-wide resourceVersion; objects carry it.
- Lists honour labelSelector (=, ==, !=, exists, !exists, in, notin),
  fieldSelector (metadata.name, metadata.namespace, spec.nodeName,
  status.phase), limit and continue; they return the list's resourceVersion.
- Watches (?watch=true) stream newline-delimited JSON events over a chunked
  200 response, from a resourceVersion (events after it) or from now, with
  BOOKMARK events when allowWatchBookmarks=true. A resourceVersion older
  than the oldest event kept answers an ERROR event holding a 410 Expired
  Status inside the 200 stream, as the real server does.
- Creates of a taken name answer 409 AlreadyExists; unknown objects 404
  NotFound; a second binding of a pod 409 Conflict; every error body is a
  Status. Requests without `Authorization: Bearer <token>` get 401.

- Leases (coordination.k8s.io/v1) and PUT: a write whose
  metadata.resourceVersion is not the object's current one answers 409
  Conflict, as optimistic concurrency does.
- With --kubelet, a simulated kubelet on every node: a bound pod is admitted
  (Running, its container running) or refused as the real kubelet refuses
  it, phase Failed with reason `OutOfnvidia.com/gpu`, when the node's
  allocatable GPUs are taken by other unfinished pods; a pod whose container
  has FAKE_EXIT_AFTER=S in its env ends S seconds after it started, with
  FAKE_EXIT_CODE (default 0), Succeeded or Failed; FAKE_PULL=fail leaves its
  container waiting in ImagePullBackOff. A delete with a grace period marks
  the pod (deletionTimestamp), its container ends (143) within the grace
  period (FAKE_STOP_SECONDS, default 0.2), and only then is the pod removed.
- With --kubelet, also a simulated MPI operator for kubeflow.org/v1 MPIJobs:
  a launcher pod `<name>-launcher` (placed at once, on node cpu-0) and
  `Worker.replicas` worker pods `<name>-worker-<i>` from the templates,
  owned by the MPIJob (a launcher's FAKE_EXIT_AFTER counts from when all its
  workers run, as mpirun waits for them); replicas lowered delete the highest workers; when the
  launcher ends the MPIJob gets a Succeeded or Failed condition and its
  running workers are deleted (cleanPodPolicy Running); deleting the MPIJob
  deletes its pods.

Test hooks (not Kubernetes): POST /fake/compact forgets the event history
(so older watches get 410); GET /fake/stats; GET /fake/history lists every
change kept; a node annotated fake/usable-gpus=N is admitted N GPUs by its
kubelet whatever it advertises; POST /fake/forbid?verb=V&resource=R answers 403 to that verb on that resource
from then on, as RBAC does; POST /fake/hidden-create makes a node
while every watch breaks and the history is compacted (only a list sees it);
POST
/fake/evict?namespace=N&name=P fails a pod as a node-pressure eviction does;
POST /fake/exit?namespace=N&name=P&code=C ends a running pod's container with
exit code C, as FAKE_EXIT_AFTER does, when the test (not a clock) decides;
POST /fake/slow?verb=create&resource=R&seconds=S still creates such objects
at once but answers S seconds later (an answer lost on the way); with
&before=1 it waits S seconds before creating (a request slow on the way).

    fake-apiserver.py TOKEN [--kubelet]    prints "port N" once it listens
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = sys.argv[1] if len(sys.argv) > 1 else "test-token"
KUBELET = "--kubelet" in sys.argv[2:]

lock = threading.Condition()
state = {"rv": 1000, "objects": {"nodes": {}, "pods": {}, "events": {}, "leases": {}, "mpijobs": {}}, "history": [], "oldest": 1000,
         "expired": 0, "generation": 0, "forbidden": set(), "slow": {}}
# The API group of each kind beyond the core group.
GROUPS = {"leases": ["apis", "coordination.k8s.io", "v1"], "mpijobs": ["apis", "kubeflow.org", "v1"]}


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return code, body


def bump(kind, event_type, obj):
    """Records a change under the lock: a new resourceVersion and a history entry."""
    state["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(state["rv"])
    state["history"].append((state["rv"], kind, event_type, json.loads(json.dumps(public(obj)))))
    lock.notify_all()


def key(obj):
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


def matches_labels(obj, selector):
    labels = obj["metadata"].get("labels") or {}
    if not selector:
        return True
    for term in split_terms(selector):
        term = term.strip()
        if " notin " in term or " in " in term:
            name, op, values = term.partition(" notin " if " notin " in term else " in ")
            allowed = {v.strip() for v in values.strip().strip("()").split(",")}
            present = labels.get(name.strip()) in allowed
            if (op.strip() == "in") != present:
                return False
        elif "!=" in term:
            name, value = term.split("!=", 1)
            if labels.get(name.strip()) == value.strip():
                return False
        elif "=" in term:
            name, value = term.replace("==", "=").split("=", 1)
            if labels.get(name.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def split_terms(selector):
    terms, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return terms + [current] if current else terms


FIELDS = {
    "metadata.name": lambda o: o["metadata"].get("name"),
    "metadata.namespace": lambda o: o["metadata"].get("namespace"),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
}


def matches_fields(obj, selector):
    for term in split_terms(selector or ""):
        negate = "!=" in term
        name, value = term.split("!=" if negate else "=", 1)
        name = name.strip().rstrip("=")
        if name not in FIELDS:
            raise ValueError(f'"{name}" is not a known field selector')
        if (FIELDS[name](obj) == value.strip().lstrip("=")) == negate:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def change_pod(self, change):
        """A test hook on the pod ?namespace=N&name=P: `change` edits it in place, or returns a
        Status to answer instead; 404 when there is no such pod."""
        _, query = self.route()
        with lock:
            pod = state["objects"]["pods"].get(f"{query['namespace']}/{query['name']}")
            if pod is None:
                return self.reply(*status(404, "NotFound", f'pods "{query["name"]}" not found'))
            refusal = change(pod, query)
            if refusal:
                return self.reply(*refusal)
            bump("pods", "MODIFIED", pod)
        return self.reply(200, {})

    def route(self):
        url = urllib.parse.urlparse(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        return parts, query

    def authorized(self):
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.reply(*status(401, "Unauthorized", "Unauthorized"))
            return False
        parts, _ = self.route()
        kind, namespace, _, sub = self.resource(parts)
        resource = f"{kind}/{sub}" if sub else kind
        verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[self.command]
        if (verb, resource) in state["forbidden"]:
            self.reply(*status(403, "Forbidden",
                               f'{resource} is forbidden: User "system:serviceaccount:tide:tide-scheduler" cannot {verb} resource "{resource}" in API group "" in the namespace "{namespace}"'))
            return False
        return True

    # GET: lists, watches, single objects, logs.
    def do_GET(self):
        parts, query = self.route()
        if parts == ["fake", "stats"]:
            with lock:
                return self.reply(200, {"resourceVersion": state["rv"], "oldest": state["oldest"], "expired": state["expired"]})
        if parts == ["fake", "history"]:
            # Every change kept, oldest first: [resourceVersion, kind, type, namespace/name, phase, node].
            with lock:
                return self.reply(200, {"items": [
                    [rv, k, t, key(o), (o.get("status") or {}).get("phase"), (o.get("spec") or {}).get("nodeName")]
                    for rv, k, t, o in state["history"]]})
        if not self.authorized():
            return
        kind, namespace, name, sub = self.resource(parts)
        if kind is None:
            return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
        if name is None:
            if query.get("watch") in ("true", "1"):
                return self.watch(kind, namespace, query)
            return self.list(kind, namespace, query)
        with lock:
            obj = state["objects"][kind].get(f"{namespace or ''}/{name}")
        if obj is None:
            return self.reply(*status(404, "NotFound", f'{kind} "{name}" not found', {"name": name, "kind": kind}))
        if sub == "log":
            data = f"log of {name}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        self.reply(200, public(obj))

    def resource(self, parts):
        """(kind, namespace, name, subresource) of /api/v1/[namespaces/NS/]KIND[/NAME[/SUB]]
        or /apis/GROUP/VERSION/[namespaces/NS/]KIND[/NAME[/SUB]]."""
        if parts[:2] == ["api", "v1"]:
            rest = parts[2:]
        elif parts[:1] == ["apis"] and len(parts) > 3:
            rest = parts[3:]
        else:
            return None, None, None, None
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or rest[0] not in state["objects"]:
            return None, None, None, None
        if GROUPS.get(rest[0], ["api", "v1"]) != (parts[:3] if parts[0] == "apis" else parts[:2]):
            return None, None, None, None
        return rest[0], namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None

    def selected(self, kind, namespace, query):
        items = []
        for obj in state["objects"][kind].values():
            if namespace and obj["metadata"].get("namespace") != namespace:
                continue
            if matches_labels(obj, query.get("labelSelector", "")) and matches_fields(obj, query.get("fieldSelector")):
                items.append(obj)
        return sorted(items, key=key)

    def list(self, kind, namespace, query):
        try:
            with lock:
                items = self.selected(kind, namespace, query)
                rv = state["rv"]
        except ValueError as error:
            return self.reply(*status(400, "BadRequest", str(error)))
        start = int(query.get("continue") or 0)
        limit = int(query.get("limit") or 0)
        page = [public(item) for item in (items[start:start + limit] if limit else items[start:])]
        metadata = {"resourceVersion": str(rv)}
        if limit and start + limit < len(items):
            metadata["continue"] = str(start + limit)
            metadata["remainingItemCount"] = len(items) - start - limit
        self.reply(200, {"kind": kind.capitalize()[:-1] + "List", "apiVersion": "v1", "metadata": metadata, "items": page})

    def watch(self, kind, namespace, query):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        bookmarks = query.get("allowWatchBookmarks") == "true"
        timeout = float(query.get("timeoutSeconds") or 300)
        deadline = time.time() + timeout
        with lock:
            since = int(query["resourceVersion"]) if query.get("resourceVersion") else state["rv"]
            if since < state["oldest"]:
                state["expired"] += 1
                expired = status(410, "Expired", f"too old resource version: {since} ({state['oldest']})")[1]
                return self.send_events([{"type": "ERROR", "object": expired}], end=True)
        last_bookmark = time.time()
        generation = state["generation"]
        while time.time() < deadline and generation == state["generation"]:
            with lock:
                events = [(rv, t, o) for rv, k, t, o in state["history"] if k == kind and rv > since]
                if not events:
                    lock.wait(timeout=0.2)
                    events = [(rv, t, o) for rv, k, t, o in state["history"] if k == kind and rv > since]
                current = state["rv"]
            out = []
            for rv, event_type, obj in events:
                since = rv
                if namespace and obj["metadata"].get("namespace") != namespace:
                    continue
                if matches_labels(obj, query.get("labelSelector", "")) and matches_fields(obj, query.get("fieldSelector")):
                    out.append({"type": event_type, "object": obj})
            if bookmarks and time.time() - last_bookmark > 1:
                last_bookmark = time.time()
                since = max(since, current)
                out.append({"type": "BOOKMARK", "object": {"kind": kind.capitalize()[:-1], "apiVersion": "v1",
                                                           "metadata": {"resourceVersion": str(since)}}})
            if out and not self.send_events(out):
                return
        self.send_events([], end=True)

    def send_events(self, events, end=False):
        try:
            for event in events:
                data = (json.dumps(event) + "\n").encode()
                # Split each event over two chunks: clients must join lines across chunks.
                half = len(data) // 2
                for piece in (data[:half], data[half:]):
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.flush()
            if end:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    # POST: create, bind; test hooks.
    def do_POST(self):
        parts, _ = self.route()
        if parts == ["fake", "churn"]:
            # COUNT modifications of one object, as fast as they can be recorded (watch load tests).
            _, query = self.route()
            kind, name, count = query.get("kind", "nodes"), query["name"], int(query.get("count", "1"))
            with lock:
                obj = state["objects"][kind][f"/{name}"]
                for index in range(count):
                    obj["metadata"].setdefault("annotations", {})["churn"] = str(index)
                    bump(kind, "MODIFIED", obj)
            return self.reply(200, {"resourceVersion": state["rv"]})
        if parts == ["fake", "forbid"]:
            # RBAC without a rule: ?verb=create&resource=pods answers 403 from now on.
            _, query = self.route()
            with lock:
                state["forbidden"].add((query["verb"], query["resource"]))
            return self.reply(200, {})
        if parts == ["fake", "slow"]:
            # ?verb=create&resource=pods&seconds=S: done at once, answered S seconds later.
            _, query = self.route()
            with lock:
                state["slow"][(query["verb"], query["resource"])] = (float(query["seconds"]), query.get("before") == "1")
            return self.reply(200, {})
        if parts == ["fake", "evict"]:
            def evict(pod, query):
                pod["status"] = {"phase": "Failed", "reason": "Evicted",
                                 "message": "The node was low on resource: memory."}
            return self.change_pod(evict)
        if parts == ["fake", "exit"]:
            def exit_container(pod, query):
                if (pod.get("status") or {}).get("phase") != "Running":
                    return status(409, "Conflict", f'pod "{query["name"]}" is not running')
                pod["status"] = ended(pod, int(query.get("code", "0")))
            return self.change_pod(exit_container)
        if parts == ["fake", "hidden-create"]:
            # An object created while every watch was broken and the history compacted: only a list shows it.
            obj = self.body()
            with lock:
                state["rv"] += 1
                obj["metadata"]["resourceVersion"] = str(state["rv"])
                state["objects"]["nodes"][key(obj)] = obj
                state["history"].clear()
                state["oldest"] = state["rv"] + 1
                state["generation"] += 1
                lock.notify_all()
            return self.reply(201, obj)
        if parts == ["fake", "compact"]:
            with lock:
                state["history"].clear()
                state["oldest"] = state["rv"] + 1
            return self.reply(200, {})
        if not self.authorized():
            return
        kind, namespace, name, sub = self.resource(parts)
        body = self.body()
        if kind is None:
            return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
        with lock:
            wait, before = state["slow"].get(("create", kind), (0, False))
        if wait and before and not name:
            time.sleep(wait)
        with lock:
            if name and sub == "binding" and kind == "pods":
                pod = state["objects"]["pods"].get(f"{namespace}/{name}")
                if pod is None:
                    return self.reply(*status(404, "NotFound", f'pods "{name}" not found'))
                if pod["spec"].get("nodeName"):
                    return self.reply(*status(409, "Conflict",
                                              f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already assigned to node "{pod["spec"]["nodeName"]}"'))
                target = body.get("target", {}).get("name")
                if target not in {n["metadata"]["name"] for n in state["objects"]["nodes"].values()}:
                    return self.reply(*status(404, "NotFound", f'nodes "{target}" not found'))
                pod["spec"]["nodeName"] = target
                if not KUBELET:
                    pod["status"] = {"phase": "Running"}
                bump("pods", "MODIFIED", pod)
                return self.reply(201, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201})
            metadata = body.get("metadata") or {}
            if not metadata.get("name"):
                return self.reply(*status(422, "Invalid", f"{kind} \"\" is invalid: metadata.name: Required value"))
            if namespace:
                metadata["namespace"] = namespace
            body["metadata"] = metadata
            if f"{namespace or ''}/{metadata['name']}" in state["objects"][kind]:
                return self.reply(*status(409, "AlreadyExists", f'{kind} "{metadata["name"]}" already exists',
                                          {"name": metadata["name"], "kind": kind}))
            metadata.setdefault("uid", f"uid-{state['rv'] + 1}")
            if kind == "pods":
                for index, container in enumerate((body.get("spec") or {}).get("containers") or []):
                    if not container.get("image"):
                        return self.reply(*status(422, "Invalid",
                                                  f'Pod "{metadata["name"]}" is invalid: spec.containers[{index}].image: Required value',
                                                  {"name": metadata["name"], "kind": "Pod",
                                                   "causes": [{"reason": "FieldValueRequired", "message": "Required value",
                                                               "field": f"spec.containers[{index}].image"}]}))
                body.setdefault("status", {"phase": "Pending"})
            state["objects"][kind][key(body)] = body
            bump(kind, "ADDED", body)
            created = json.loads(json.dumps(body))
            delay, _ = state["slow"].get(("create", kind), (0, False))
        # Outside the lock: the object is there for everyone while this answer is late.
        if delay and not before:
            time.sleep(delay)
        self.reply(201, created)

    # PATCH: JSON merge patch of an object (labels, status...).
    def do_PATCH(self):
        parts, _ = self.route()
        if not self.authorized():
            return
        kind, namespace, name, _ = self.resource(parts)
        patch = self.body()
        with lock:
            obj = state["objects"].get(kind, {}).get(f"{namespace or ''}/{name}") if kind else None
            if obj is None:
                return self.reply(*status(404, "NotFound", f'{kind} "{name}" not found'))
            merge(obj, patch)
            bump(kind, "MODIFIED", obj)
            self.reply(200, public(obj))

    # PUT: replace an object, at the resourceVersion it names.
    def do_PUT(self):
        parts, _ = self.route()
        if not self.authorized():
            return
        kind, namespace, name, _ = self.resource(parts)
        body = self.body()
        with lock:
            current = state["objects"].get(kind, {}).get(f"{namespace or ''}/{name}") if kind else None
            if current is None:
                return self.reply(*status(404, "NotFound", f'{kind} "{name}" not found', {"name": name, "kind": kind}))
            given = (body.get("metadata") or {}).get("resourceVersion")
            if given and given != current["metadata"]["resourceVersion"]:
                return self.reply(*status(409, "Conflict",
                                          f'Operation cannot be fulfilled on {kind} "{name}": the object has been modified; please apply your changes to the latest version and try again',
                                          {"name": name, "kind": kind}))
            body.setdefault("metadata", {})
            body["metadata"]["name"] = name
            if namespace:
                body["metadata"]["namespace"] = namespace
            body["metadata"]["uid"] = current["metadata"].get("uid")
            state["objects"][kind][key(body)] = body
            bump(kind, "MODIFIED", body)
            self.reply(200, body)

    def do_DELETE(self):
        parts, query = self.route()
        if not self.authorized():
            return
        kind, namespace, name, _ = self.resource(parts)
        with lock:
            obj = state["objects"].get(kind, {}).get(f"{namespace or ''}/{name}") if kind else None
            if obj is None:
                return self.reply(*status(404, "NotFound", f'{kind} "{name}" not found', {"name": name, "kind": kind}))
            if kind == "mpijobs":
                state["objects"]["mpijobs"].pop(f"{namespace}/{name}")
                bump(kind, "DELETED", obj)
                for pod_key, pod in sorted(state["objects"]["pods"].items()):
                    if any(o.get("uid") == obj["metadata"].get("uid") for o in pod["metadata"].get("ownerReferences") or []):
                        delete_pod(pod_key, pod, time.time())
                return self.reply(200, public(obj))
            if KUBELET and kind == "pods":
                delete_pod(f"{namespace}/{name}", obj, time.time(), int(query.get("gracePeriodSeconds", "30")))
                return self.reply(200, public(obj))
            state["objects"][kind].pop(f"{namespace or ''}/{name}")
            bump(kind, "DELETED", obj)
            self.reply(200, public(obj))


def env_of(pod):
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    return {e.get("name"): e.get("value", "") for e in containers[0].get("env") or []}


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def gpus(pod):
    total = 0
    for container in (pod.get("spec") or {}).get("containers") or []:
        resources = container.get("resources") or {}
        total += int((resources.get("requests") or resources.get("limits") or {}).get("nvidia.com/gpu", 0))
    return total


def delete_pod(pod_key, pod, now, grace=30):
    """A delete as the kubelet carries it out: a running pod is marked (deletionTimestamp), its
    container stops within the grace period (FAKE_STOP_SECONDS), and only then does the pod go;
    a pod not running, or a grace of 0, goes at once."""
    running = (pod.get("spec") or {}).get("nodeName") and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    if running and grace > 0:
        if "_stopAt" not in pod:
            pod["metadata"]["deletionTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            pod["metadata"]["deletionGracePeriodSeconds"] = grace
            pod["_stopAt"] = now + min(grace, float(env_of(pod).get("FAKE_STOP_SECONDS", "0.2")))
            bump("pods", "MODIFIED", public(pod))
    else:
        state["objects"]["pods"].pop(pod_key, None)
        bump("pods", "DELETED", public(pod))


def pod_from(template, name, namespace, owner, node=None):
    metadata = json.loads(json.dumps(template.get("metadata") or {}))
    metadata.update({"name": name, "namespace": namespace, "uid": f"uid-{state['rv'] + 1}",
                     "ownerReferences": [owner]})
    spec = json.loads(json.dumps(template.get("spec") or {}))
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": {"phase": "Pending"}}


def operator(now):
    """The MPI operator: launcher and worker pods for each MPIJob, its end from the launcher's."""
    pods = state["objects"]["pods"]
    for job in list(state["objects"]["mpijobs"].values()):
        meta = job["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        owner = {"apiVersion": "kubeflow.org/v1", "kind": "MPIJob", "name": name, "uid": meta["uid"], "controller": True}
        specs = job["spec"]["mpiReplicaSpecs"]
        replicas = int(specs["Worker"].get("replicas", 0))
        done = any(c.get("status") == "True" for c in (job.get("status") or {}).get("conditions") or [])
        launcher_key = f"{namespace}/{name}-launcher"
        launcher = pods.get(launcher_key)
        if done:
            continue
        if launcher is None:
            launcher = pod_from(specs["Launcher"]["template"], f"{name}-launcher", namespace, owner, node="cpu-0")
            pods[launcher_key] = launcher
            bump("pods", "ADDED", launcher)
        prefix = f"{namespace}/{name}-worker-"
        for pod_key, pod in sorted(pods.items()):
            if pod_key.startswith(prefix) and int(pod_key[len(prefix):]) >= replicas:
                delete_pod(pod_key, pod, now)
        for index in range(replicas):
            if f"{prefix}{index}" not in pods:
                worker = pod_from(specs["Worker"]["template"], f"{name}-worker-{index}", namespace, owner)
                pods[f"{prefix}{index}"] = worker
                bump("pods", "ADDED", worker)
        # mpirun starts once every worker runs: the launcher's clock (FAKE_EXIT_AFTER) starts then.
        workers = [pods.get(f"{prefix}{index}") for index in range(replicas)]
        if "_readyAt" not in launcher and replicas and all(
                w is not None and (w.get("status") or {}).get("phase") == "Running" for w in workers):
            launcher["_readyAt"] = now
        phase = (launcher.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            job["status"] = {"conditions": [{"type": phase, "status": "True"}]}
            bump("mpijobs", "MODIFIED", job)
            for pod_key, pod in sorted(pods.items()):
                if pod_key.startswith(prefix):
                    delete_pod(pod_key, pod, now)


def kubelet():
    """Admits bound pods, ends them as their env says, finishes graceful deletions."""
    while True:
        time.sleep(0.05)
        now = time.time()
        with lock:
            operator(now)
            pods = state["objects"]["pods"]
            for pod_key, pod in sorted(pods.items()):
                node = (pod.get("spec") or {}).get("nodeName")
                phase = (pod.get("status") or {}).get("phase")
                if not node:
                    continue
                if "_stopAt" in pod and now >= pod["_stopAt"]:
                    pods.pop(pod_key)
                    if phase not in ("Succeeded", "Failed"):
                        pod["status"] = ended(pod, 143)
                        bump("pods", "MODIFIED", public(pod))
                    bump("pods", "DELETED", public(pod))
                elif phase in (None, "Pending") and "_startedAt" not in pod:
                    admit(pod, node, now)
                elif phase == "Running":
                    env = env_of(pod)
                    after = env.get("FAKE_EXIT_AFTER")
                    launcher = (pod["metadata"].get("labels") or {}).get("tide/role") == "launcher"
                    began = pod.get("_readyAt") if launcher else pod["_startedAt"]
                    if after is not None and began is not None and now - began >= float(after):
                        pod["status"] = ended(pod, int(env.get("FAKE_EXIT_CODE", "0")))
                        bump("pods", "MODIFIED", public(pod))


def admit(pod, node, now):
    allocatable = (state["objects"]["nodes"].get(f"/{node}", {}).get("status") or {}).get("allocatable") or {}
    capacity = int(allocatable.get("nvidia.com/gpu", "0"))
    # A node whose device plugin overstates its GPUs (test hook): the kubelet admits only this many.
    annotations = state["objects"]["nodes"].get(f"/{node}", {}).get("metadata", {}).get("annotations") or {}
    capacity = int(annotations.get("fake/usable-gpus", capacity))
    used = sum(gpus(other) for other in state["objects"]["pods"].values()
               if other is not pod and (other.get("spec") or {}).get("nodeName") == node
               and "_startedAt" in other and (other.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))
    wanted = gpus(pod)
    pod["_startedAt"] = now
    if wanted and used + wanted > capacity:
        pod["status"] = {"phase": "Failed", "reason": "OutOfnvidia.com/gpu",
                         "message": f"Pod was rejected: Node didn't have enough resource: nvidia.com/gpu, requested: {wanted}, used: {used}, capacity: {capacity}"}
    elif env_of(pod).get("FAKE_PULL") == "fail":
        image = pod["spec"]["containers"][0].get("image", "")
        pod["status"] = {"phase": "Pending", "containerStatuses": [{"name": "worker", "ready": False, "restartCount": 0, "state": {
            "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}}}]}
    else:
        pod["status"] = {"phase": "Running", "containerStatuses": [{"name": "worker", "ready": True, "restartCount": 0, "state": {
            "running": {"startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}}}]}
    bump("pods", "MODIFIED", public(pod))


def ended(pod, code):
    finished = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"phase": "Succeeded" if code == 0 else "Failed", "containerStatuses": [{"name": "worker", "ready": False, "restartCount": 0, "state": {
        "terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error", "finishedAt": finished}}}]}


def merge(target, patch):
    for name, value in patch.items():
        if value is None:
            target.pop(name, None)
        elif isinstance(value, dict) and isinstance(target.get(name), dict):
            merge(target[name], value)
        else:
            target[name] = value


if KUBELET:
    threading.Thread(target=kubelet, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
