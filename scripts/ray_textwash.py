#!/usr/bin/env python3
"""Runs textwash's staged commands as Ray tasks.

Fan-out only: every task is one `textwash` command over the shared work folder, and all data
moves through files there. The waves are survey (per rank), prep (per rank), bucket (per band),
cluster (one task, with more memory), filter (per rank), report (one task). A task that exits non-zero raises, and
the driver exits non-zero. Tasks already finished are skipped by textwash itself, so running the
driver again resumes a failed run.

    python scripts/ray_textwash.py --binary target/release/textwash --work /shared/work \\
        --world-size 64 /shared/dump -- --glob '*.jsonl.zst' --keep longest

Options after `--` go to `textwash plan` (they are `textwash run`'s options). The binary, the
inputs and the work folder must be at the same paths on every node (a shared filesystem).
Without --address, Ray starts locally on this machine.
"""

import argparse
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

    # Planning reads only file sizes: the driver does it.
    subprocess.run(
        [binary, "plan", *args.inputs, "--work", work, "--world-size", str(args.world_size)]
        + plan_options,
        check=True,
    )

    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    small = textwash.options(num_cpus=args.cpus, memory=int(args.memory_gb * GIB))
    big = textwash.options(
        num_cpus=args.cluster_cpus or args.cpus, memory=int(args.cluster_memory_gb * GIB)
    )
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
    cluster_threads = ["-j", str(args.cluster_cpus or args.cpus)]
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
