#!/usr/bin/env python3
"""Runs textwash's staged commands as Ray tasks.

Fan-out only: every task is one `textwash` command over the shared work folder, and all data
moves through files there. The waves are survey (per rank), prep (per rank), bucket (per band),
verify (per range of first documents, as many as the plan's --verify-parts, by default the
ranks), cluster (one task, with more memory), filter (per rank), report (one task). A task that
exits non-zero raises, and the driver exits non-zero. Tasks already finished are skipped by textwash itself, so running the
driver again resumes a failed run.

    python scripts/ray_textwash.py --binary target/release/textwash --work /shared/work \\
        --world-size 64 /shared/dump -- --glob '*.jsonl.zst' --keep longest

Options after `--` go to `textwash plan` (they are `textwash run`'s options). The binary, the
inputs and the work folder must be at the same paths on every node (a shared filesystem).
Without --address, Ray starts locally on this machine.

Before anything is planned or submitted, the driver checks that some node of the cluster has
the CPUs and memory that a task asks for (--cpus and --memory-gb, --cluster-cpus and
--cluster-memory-gb), as Ray reports them (`ray.nodes()`, which add up to
`ray.cluster_resources()`): Ray would otherwise wait for them forever, and say so only in logs.
It exits with 2 and a message naming what was asked for and what there is.
"""

import argparse
import json
import os
import subprocess
import sys

import ray

BANDS = 28
GIB = 1 << 30


@ray.remote(max_retries=0)
def textwash(binary, args):
    """One staged command; raises with its stderr when it fails."""
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"textwash {' '.join(args)} exited with {done.returncode}:\n{done.stderr}"
        )
    return done.stderr


def unmet(requests, nodes):
    """Messages for the requests that no node of `nodes` (each node's Ray resources) can hold.

    `requests` are (what, CPUs, memory in bytes). A task runs on one node, so the cluster's
    totals (`ray.cluster_resources()`) are not enough: some node must have both.
    """
    def gib(resources):
        return resources.get("memory", 0) / GIB

    total = {
        "CPU": sum(node.get("CPU", 0) for node in nodes),
        "memory": sum(node.get("memory", 0) for node in nodes),
    }
    largest = max(nodes, key=lambda node: (node.get("CPU", 0), node.get("memory", 0)), default={})
    problems = []
    for what, cpus, memory in requests:
        if not any(node.get("CPU", 0) >= cpus and node.get("memory", 0) >= memory for node in nodes):
            problems.append(
                f"{what} asks for {cpus} CPUs and {memory / GIB:.1f} GiB of memory, but the Ray "
                f"cluster has {total['CPU']:g} CPUs and {gib(total):.1f} GiB of memory "
                f"({len(nodes)} nodes, the largest {largest.get('CPU', 0):g} CPUs and "
                f"{gib(largest):.1f} GiB)"
            )
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="target/release/textwash")
    parser.add_argument("--work", required=True, help="the work folder (shared)")
    parser.add_argument("--world-size", type=int, required=True, help="shards (ranks)")
    parser.add_argument("--address", help="a Ray cluster's address (default: local Ray)")
    parser.add_argument("--cpus", type=int, default=1, help="CPUs per task")
    parser.add_argument("--memory-gb", type=float, default=2.0, help="memory per task")
    parser.add_argument(
        "--cluster-cpus", type=int, default=None, help="CPUs of the cluster task (default: --cpus)"
    )
    parser.add_argument(
        "--cluster-memory-gb", type=float, default=8.0, help="memory of the cluster task"
    )
    parser.add_argument("inputs", nargs="+", help="input files and folders")
    argv = sys.argv[1:]
    plan_options = []
    if "--" in argv:
        at = argv.index("--")
        argv, plan_options = argv[:at], argv[at + 1 :]
    args = parser.parse_args(argv)
    binary = os.path.abspath(args.binary)
    work = os.path.abspath(args.work)

    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    cluster_cpus = args.cluster_cpus or args.cpus
    small_memory = int(args.memory_gb * GIB)
    big_memory = int(args.cluster_memory_gb * GIB)
    # With log_to_driver off, a task that asks for more than any node has waits forever and
    # silently: refuse such a request before submitting anything.
    problems = unmet(
        [
            ("a task (--cpus, --memory-gb)", args.cpus, small_memory),
            ("the cluster task (--cluster-cpus, --cluster-memory-gb)", cluster_cpus, big_memory),
        ],
        [node["Resources"] for node in ray.nodes() if node.get("Alive")],
    )
    if problems:
        for problem in problems:
            print(f"ray_textwash: {problem}; Ray would wait for it forever", file=sys.stderr)
        ray.shutdown()
        sys.exit(2)

    # Planning reads only file sizes: the driver does it.
    subprocess.run(
        [binary, "plan", *args.inputs, "--work", work, "--world-size", str(args.world_size)]
        + plan_options,
        check=True,
    )

    small = textwash.options(num_cpus=args.cpus, memory=small_memory)
    big = textwash.options(num_cpus=cluster_cpus, memory=big_memory)
    threads = ["-j", str(args.cpus)]
    ranks = range(args.world_size)

    def wave(name, tasks):
        for stderr in ray.get(tasks):
            if stderr.strip():
                print(stderr.strip(), file=sys.stderr)
        print(f"ray_textwash: {name} done ({len(tasks)} tasks)", file=sys.stderr)

    wave("survey", [small.remote(binary, ["survey", "--work", work, "--rank", str(r)] + threads) for r in ranks])
    wave("prep", [small.remote(binary, ["prep", "--work", work, "--rank", str(r)] + threads) for r in ranks])
    wave("bucket", [small.remote(binary, ["bucket", "--work", work, "--band", str(b)] + threads) for b in range(BANDS)])
    # Verification in parallel, a range of first documents per task (`plan --verify-parts`),
    # leaving the cluster task only the clustering and the links.
    with open(os.path.join(work, "manifest.json")) as manifest:
        parts = json.load(manifest)["verify_parts"]
    wave("verify", [small.remote(binary, ["verify", "--work", work, "--part", str(p)] + threads) for p in range(parts)])
    cluster_threads = ["-j", str(cluster_cpus)]
    wave("cluster", [big.remote(binary, ["cluster", "--work", work] + cluster_threads)])
    wave("filter", [small.remote(binary, ["filter", "--work", work, "--rank", str(r)] + threads) for r in ranks])
    wave("report", [small.remote(binary, ["report", "--work", work])])
    print(f"ray_textwash: output in {work}/out (part-RANK.jsonl in rank order, report.json)", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except (ray.exceptions.RayTaskError, subprocess.CalledProcessError) as err:
        print(f"ray_textwash: a task failed: {err}", file=sys.stderr)
        sys.exit(1)
