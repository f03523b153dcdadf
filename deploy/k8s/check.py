#!/usr/bin/env python3
"""Checks that the Kubernetes manifests run the same roles as deploy/docker-compose.yml: for
every compose service that serves a role, a Deployment with the same arguments and gRPC port,
gRPC health probes, a Service on that port, the enrich worker's peer URLs naming existing
Services, and an autoscaler for classify. Exits 1 listing every mismatch.

Usage: python3 deploy/k8s/check.py   (needs PyYAML: Debian's python3-yaml)
"""
import pathlib
import sys

import yaml

here = pathlib.Path(__file__).resolve().parent
compose = yaml.safe_load((here.parent / "docker-compose.yml").read_text())
docs = [d for f in sorted(here.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
by_kind = {}
for doc in docs:
    by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc

problems = []
roles = {}
for name, service in compose["services"].items():
    command = service.get("command") or []
    if command[:2] == ["serve", "--role"]:
        roles[command[2]] = name
if not roles:
    problems.append("the compose file serves no role")

compose_env = compose["x-app"]["environment"]
grpc_port = int(compose_env["HEARKEN_LISTEN"].rsplit(":", 1)[1])
http_port = int(compose_env["HEARKEN_HTTP"].rsplit(":", 1)[1])
services = by_kind.get("Service", {})

for role, compose_name in sorted(roles.items()):
    deployment = by_kind.get("Deployment", {}).get(f"hearken-{role}")
    if deployment is None:
        problems.append(f"role {role}: no Deployment hearken-{role}")
        continue
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if container.get("args") != ["serve", "--role", role]:
        problems.append(f"role {role}: Deployment args {container.get('args')}")
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    if ports.get("grpc") != grpc_port or ports.get("http") != http_port:
        problems.append(f"role {role}: container ports {ports}, compose uses {grpc_port} and {http_port}")
    for probe in ("readinessProbe", "livenessProbe"):
        if container.get(probe, {}).get("grpc", {}).get("port") != grpc_port:
            problems.append(f"role {role}: {probe} is not a gRPC health probe on {grpc_port}")
    service = services.get(compose_name)
    if service is None:
        problems.append(f"role {role}: no Service named {compose_name!r} as in compose")
    elif grpc_port not in [p["port"] for p in service["spec"]["ports"]]:
        problems.append(f"role {role}: Service {compose_name} does not expose {grpc_port}")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    secret_env = {e["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
    # Compose passes the tokens in; here they must come from a Secret, never a literal value.
    for key in ("HEARKEN_TOKENS", "HEARKEN_PEER_TOKEN"):
        if key in compose_env and key not in secret_env:
            problems.append(f"role {role}: {key} must come from a Secret, as compose requires it")
    for key in ("HEARKEN_CLASSIFY_URL", "HEARKEN_INFLUENCE_URL"):
        if role == "ingest":
            want = compose_env[key]
            if env.get(key) != want:
                problems.append(f"role ingest: {key} is {env.get(key)!r}, compose has {want!r}")
            host = want.split("://", 1)[1].split(":", 1)[0]
            if host not in services:
                problems.append(f"role ingest: {key} names {host!r}, which is no Service")

if services.get("classify", {}).get("spec", {}).get("clusterIP") != "None":
    problems.append("Service classify must be headless so that clients see every replica")
hpas = by_kind.get("HorizontalPodAutoscaler", {}).values()
if not any(h["spec"]["scaleTargetRef"]["name"] == "hearken-classify" for h in hpas):
    problems.append("no HorizontalPodAutoscaler for hearken-classify")
if "report" in roles:
    report = services.get(roles["report"], {})
    if http_port not in [p["port"] for p in report.get("spec", {}).get("ports", [])]:
        problems.append(f"Service {roles['report']} does not expose the dashboard on {http_port}")

for problem in problems:
    print(f"k8s: {problem}", file=sys.stderr)
print(f"k8s: {len(roles)} roles checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
