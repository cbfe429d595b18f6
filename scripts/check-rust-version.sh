#!/usr/bin/env bash
# Checks that no workspace crate declares a `rust-version` lower than its
# dependency tree needs: for each crate, the highest `rust-version` among the
# packages it builds with, as `cargo metadata` resolves them from Cargo.lock.
#
#   scripts/check-rust-version.sh
#
# What counts, for each workspace crate:
#   - its normal and build dependencies, transitively (their normal and build
#     dependencies), with every feature on (`--all-features`: a user may switch any
#     on) and for every target platform (no `--filter-platform`);
#   - for a crate that is not published (`publish = false`: tests, examples,
#     benchmarks, the demo), its dev-dependencies too, since they are what it is
#     built for. A published crate's dev-dependencies are built only by its own
#     tests, never by its users, so they do not raise what it promises them.
# Workspace crates count as dependencies like any other, with the `rust-version`
# they declare. Every crate must declare one (`rust-version.workspace = true`
# inherits `[workspace.package]`'s).
#
# The figures are the dependencies' own claims; no older toolchain is run. A
# declaration above what the tree needs passes. Needs only cargo and python3; works
# while the code does not compile (cargo metadata reads manifests and the lock).
set -euo pipefail
cd "$(dirname "$0")/.."

# The check, in Python (read here, given to `python3 -c`; the metadata on stdin).
read -r -d '' check <<'PYTHON' || true
import json
import sys

metadata = json.load(sys.stdin)
packages = {package["id"]: package for package in metadata["packages"]}
nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
members = set(metadata["workspace_members"])


def version(text):
    parts = tuple(int(part) for part in text.split("."))
    return parts + (0,) * (3 - len(parts))


def label(package_id):
    package = packages[package_id]
    return f"{package['name']} {package['version']}"


def edges(package_id, kinds):
    for dep in nodes[package_id]["deps"]:
        if any(kind["kind"] in kinds for kind in dep["dep_kinds"]):
            yield dep["pkg"]


failures = []
for member in sorted(metadata["workspace_members"], key=lambda i: packages[i]["name"]):
    package = packages[member]
    name = package["name"]
    declared = package["rust_version"]
    published = package["publish"] != []
    # Breadth-first from the crate, keeping how each package was reached.
    root_kinds = {None, "build"} if published else {None, "build", "dev"}
    parent = {}
    queue = []
    for dep in edges(member, root_kinds):
        if dep not in parent:
            parent[dep] = member
            queue.append(dep)
    needed = None
    for package_id in queue:
        rust_version = packages[package_id]["rust_version"]
        # On a tie, name a package from outside the workspace: the reason, rather
        # than a workspace crate that declares the same.
        if rust_version and (
            needed is None
            or version(rust_version) > version(needed[0])
            or (version(rust_version) == version(needed[0])
                and needed[1] in members and package_id not in members)
        ):
            needed = (rust_version, package_id)
        for dep in edges(package_id, {None, "build"}):
            if dep not in parent and dep != member:
                parent[dep] = package_id
                queue.append(dep)
    counted = "normal and build dependencies" if published else "normal, build and dev dependencies"
    if needed is None:
        summary = f"no dependency declares a rust-version ({counted})"
    else:
        chain = [needed[1]]
        while parent[chain[-1]] != member:
            chain.append(parent[chain[-1]])
        path = " -> ".join([name] + [packages[i]["name"] for i in reversed(chain)])
        summary = f"needs {needed[0]}: {label(needed[1])} ({path}; {counted})"
    if declared is None:
        failures.append(f"{name} declares no rust-version; its dependency tree {summary}")
    elif needed is not None and version(declared) < version(needed[0]):
        failures.append(
            f"{name} declares rust-version {declared}, but its dependency "
            f"{label(needed[1])} needs {needed[0]} (reached as {path}; "
            f"counting its {counted})"
        )
    else:
        print(f"check-rust-version: {name}: declares {declared}; tree {summary}")

for failure in failures:
    print(f"check-rust-version: error: {failure}", file=sys.stderr)
if failures:
    print(
        "check-rust-version: raise `rust-version` in the named crates (or in "
        "`[workspace.package]`) to at least what their dependencies need",
        file=sys.stderr,
    )
    sys.exit(1)
PYTHON

cargo metadata --format-version 1 --all-features --locked | python3 -c "$check"
