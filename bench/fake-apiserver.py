#!/usr/bin/env python3
"""A Kubernetes API server stand-in for benchmarks: serves a big cluster's Nodes, Services and EndpointSlices.

Lists are paginated (limit/continue) as a real API server pages them, and a watch (chunked HTTP) sends
one bookmark and then stays open, so an informer lists once and then waits. Objects are shaped like EKS ones (Nodes
with 30 images, four conditions and the usual labels; one EndpointSlice per Service, the endpoints spread evenly),
generated page by page so the server's own memory stays small.

With PODS (optional, default 0), node 0 also runs PODS pods (namespace team-<i % 100>, pod IP pod_ip(i) in
TEST-NET, one container each, uid and container id as pod_uid(i) and container_id(i) give them, so that a script
can make the kubelet-like cgroups of the same pods); the first PODS endpoints are those pods.

Usage: fake-apiserver.py PORT NODES SERVICES ENDPOINTS [PODS]
Prints "listening" once it accepts connections. Loopback only.
"""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, NODES, SERVICES, ENDPOINTS = (int(a) for a in sys.argv[1:5])
PODS = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5].isdigit() else 0
RESOURCE_VERSION = "123456789"


def node_name(i):
    return f"ip-10-{i // 62500}-{i // 250 % 250}-{i % 250}.ec2.internal"


def node(i):
    ip = f"10.{i // 62500}.{i // 250 % 250}.{i % 250}"
    images = [
        {
            "names": [
                f"602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-{n}@sha256:" + "ab" * 32,
                f"602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-{n}:v1.2.{n}",
            ],
            "sizeBytes": 123456789,
        }
        for n in range(30)
    ]
    conditions = [
        {
            "type": c,
            "status": "False",
            "reason": "Kubelet" + c,
            "message": "kubelet reports " + c,
            "lastHeartbeatTime": "2026-11-23T10:00:00Z",
            "lastTransitionTime": "2026-11-20T10:00:00Z",
        }
        for c in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
    ]
    return {
        "metadata": {
            "name": node_name(i),
            "uid": f"00000000-0000-0000-0000-{i:012d}",
            "resourceVersion": RESOURCE_VERSION,
            "labels": {
                "topology.kubernetes.io/zone": "us-east-1" + "abc"[i % 3],
                "topology.kubernetes.io/region": "us-east-1",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "p4d.24xlarge",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": node_name(i),
            },
        },
        "spec": {"providerID": f"aws:///us-east-1a/i-0123456789abcdef{i}"},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": node_name(i)},
                {"type": "InternalDNS", "address": node_name(i)},
            ],
            "capacity": {"cpu": "96", "memory": "1176Gi", "nvidia.com/gpu": "8", "pods": "110"},
            "allocatable": {"cpu": "95690m", "memory": "1150Gi", "nvidia.com/gpu": "8"},
            "conditions": conditions,
            "images": images,
            "nodeInfo": {
                "kubeletVersion": "v1.31.2",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kernelVersion": "6.1.112",
                "osImage": "Amazon Linux 2023",
                "architecture": "amd64",
                "operatingSystem": "linux",
                "machineID": f"ec2{i}",
                "systemUUID": f"ec2{i}",
                "bootID": f"00000000-0000-0000-0001-{i:012d}",
            },
        },
    }


def pod_ip(i):
    """TEST-NET addresses: 192.0.2.1-254, then 198.51.100.1-254, then 203.0.113.1-254."""
    return ("192.0.2", "198.51.100", "203.0.113")[i // 254] + f".{i % 254 + 1}"


def pod_uid(i):
    return f"0000000b-0000-4000-8000-{i:012d}"


def container_id(i):
    return f"{i:064x}"


def pod_name(i):
    return f"pod-{i}"


def pod(i):
    created = "2026-11-20T10:00:00Z"
    return {
        "metadata": {
            "name": pod_name(i),
            "namespace": f"team-{i % 100}",
            "uid": pod_uid(i),
            "resourceVersion": RESOURCE_VERSION,
            "creationTimestamp": created,
            "labels": {"app": f"svc-{i % max(SERVICES, 1)}"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"deploy-{i}-5d8f7c", "uid": f"rs-{i}",
                 "controller": True}
            ],
        },
        "spec": {
            "nodeName": node_name(0),
            "containers": [
                {"name": "app", "image": f"registry.example/app-{i}:v1",
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": pod_ip(i),
            "podIPs": [{"ip": pod_ip(i)}],
            "hostIP": "10.0.0.0",
            "qosClass": "Burstable",
            "startTime": created,
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": created}],
            "containerStatuses": [
                {"name": "app", "ready": True, "restartCount": 0, "image": f"registry.example/app-{i}:v1",
                 "imageID": "registry.example/app@sha256:" + "cd" * 32,
                 "containerID": "containerd://" + container_id(i), "started": True,
                 "state": {"running": {"startedAt": created}}}
            ],
        },
    }


def service(i):
    return {
        "metadata": {
            "name": f"svc-{i}",
            "namespace": f"team-{i % 100}",
            "uid": f"00000000-0000-0000-0002-{i:012d}",
            "resourceVersion": RESOURCE_VERSION,
            "labels": {"app.kubernetes.io/name": f"svc-{i}"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": f"172.{20 + i // 65536}.{i // 256 % 256}.{i % 256}",
            "clusterIPs": [f"172.{20 + i // 65536}.{i // 256 % 256}.{i % 256}"],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
            "selector": {"app": f"svc-{i}"},
        },
    }


def endpoints_of(i):
    """Spreads ENDPOINTS evenly over SERVICES (one EndpointSlice each; 150,000 over 20,000 is 7 or 8)."""
    return ENDPOINTS // SERVICES + (1 if i < ENDPOINTS % SERVICES else 0)


ENDPOINT_START = []
_total = 0
for _s in range(SERVICES):
    ENDPOINT_START.append(_total)
    _total += endpoints_of(_s)


def endpoint_slice(i):
    first = ENDPOINT_START[i]
    endpoints = []
    for e in range(endpoints_of(i)):
        n = first + e
        on_this_node = n < PODS
        endpoints.append(
            {
                "addresses": [pod_ip(n) if on_this_node else f"100.{64 + n // 65536}.{n // 256 % 256}.{n % 256}"],
                "conditions": {"ready": True, "serving": True, "terminating": False},
                "nodeName": node_name(n % max(NODES, 1)),
                "zone": "us-east-1" + "abc"[n % max(NODES, 1) % 3],
                "targetRef": {
                    "kind": "Pod",
                    "namespace": f"team-{i % 100}",
                    "name": pod_name(n) if on_this_node else f"svc-{i}-pod-{e}",
                    "uid": pod_uid(n) if on_this_node else f"00000000-0000-0000-0003-{n:012d}",
                },
            }
        )
    return {
        "metadata": {
            "name": f"svc-{i}-abcde",
            "namespace": f"team-{i % 100}",
            "uid": f"00000000-0000-0000-0004-{i:012d}",
            "resourceVersion": RESOURCE_VERSION,
            "labels": {
                "kubernetes.io/service-name": f"svc-{i}",
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Service", "name": f"svc-{i}", "uid": f"00000000-0000-0000-0002-{i:012d}"}
            ],
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


RESOURCES = {
    "/api/v1/nodes": ("NodeList", "v1", NODES, node),
    "/api/v1/services": ("ServiceList", "v1", SERVICES, service),
    "/apis/discovery.k8s.io/v1/endpointslices": ("EndpointSliceList", "discovery.k8s.io/v1", SERVICES, endpoint_slice),
    "/api/v1/pods": ("PodList", "v1", PODS, pod),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        if "-v" in sys.argv:
            sys.stderr.write((args[0] % args[1:]) + "\n")

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        resource = RESOURCES.get(url.path)
        if resource is None:
            self.send_error(404)
            return
        kind, api_version, count, make = resource
        if query.get("watch", ["false"])[0] in ("true", "1"):
            self.watch(kind[: -len("List")], api_version)
            return
        limit = int(query.get("limit", [str(max(count, 1))])[0])
        start = int(query.get("continue", ["0"])[0] or 0)
        end = min(start + limit, count)
        items = [make(i) for i in range(start, end)] if make else []
        metadata = {"resourceVersion": RESOURCE_VERSION}
        if end < count:
            metadata["continue"] = str(end)
            metadata["remainingItemCount"] = count - end
        body = json.dumps({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


    def watch(self, kind, api_version):
        """A watch with one bookmark and then no events, held until the server stops. fabric8 first asks for a
        WebSocket; like an API server without WebSocket support, this answers with a chunked HTTP stream."""
        event = json.dumps(
            {"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                                            "metadata": {"resourceVersion": RESOURCE_VERSION}}}
        ).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
        self.wfile.flush()
        threading.Event().wait()


class Server(ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", PORT), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("listening", flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    pass
