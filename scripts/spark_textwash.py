#!/usr/bin/env python3
"""Runs textwash's staged commands as Spark tasks.

Fan-out only: one Spark task per rank, band or verify part, each one `textwash` command over
the shared work folder; all data moves through files there. The binary travels with the job:

    spark-submit --master yarn --files target/release/textwash \\
        scripts/spark_textwash.py --work /shared/work --world-size 64 /shared/dump \\
        -- --glob '*.jsonl.zst'

Options after `--` go to `textwash plan` (they are `textwash run`'s options). Inputs and the
work folder must be at the same paths on every executor (a shared filesystem).

A task checks the exit status of its command and raises when it is not 0, so the stage and the
job fail and this driver exits non-zero (`RDD.pipe` would ignore the status). Tasks already
finished are skipped by textwash itself, so submitting again resumes a failed run.
"""

import argparse
import json
import os
import stat
import subprocess
import sys

from pyspark import SparkFiles
from pyspark.sql import SparkSession

BANDS = 28


def shipped_binary():
    """The binary shipped with --files, made executable (Spark does not keep the mode)."""
    path = SparkFiles.get("textwash")
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run_task(args):
    """One staged command on an executor; raises with its stderr when it fails."""
    done = subprocess.run([shipped_binary(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"textwash {' '.join(args)} exited with {done.returncode}:\n{done.stderr}"
        )
    return done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, help="the work folder (shared)")
    parser.add_argument("--world-size", type=int, required=True, help="shards (ranks)")
    parser.add_argument("--threads", type=int, default=1, help="threads per task (-j)")
    parser.add_argument(
        "--cluster-threads", type=int, default=None, help="threads of the cluster task"
    )
    parser.add_argument("inputs", nargs="+", help="input files and folders")
    argv = sys.argv[1:]
    plan_options = []
    if "--" in argv:
        at = argv.index("--")
        argv, plan_options = argv[:at], argv[at + 1 :]
    args = parser.parse_args(argv)
    work = os.path.abspath(args.work)
    inputs = [os.path.abspath(i) for i in args.inputs]

    spark = SparkSession.builder.appName("textwash").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    # Planning reads only file sizes: the driver does it, with the shipped binary.
    subprocess.run(
        [shipped_binary(), "plan", *inputs, "--work", work, "--world-size", str(args.world_size)]
        + plan_options,
        check=True,
    )
    threads = ["-j", str(args.threads)]

    def wave(name, commands):
        # One partition per command: one Spark task each.
        results = sc.parallelize(commands, len(commands)).map(run_task).collect()
        for stderr in results:
            if stderr.strip():
                print(stderr.strip(), file=sys.stderr)
        print(f"spark_textwash: {name} done ({len(commands)} tasks)", file=sys.stderr)

    ranks = range(args.world_size)
    wave("survey", [["survey", "--work", work, "--rank", str(r)] + threads for r in ranks])
    wave("prep", [["prep", "--work", work, "--rank", str(r)] + threads for r in ranks])
    wave("bucket", [["bucket", "--work", work, "--band", str(b)] + threads for b in range(BANDS)])
    # Verification in parallel, a range of first documents per task (`plan --verify-parts`),
    # leaving the cluster task only the clustering and the links.
    with open(os.path.join(work, "manifest.json")) as manifest:
        parts = json.load(manifest)["verify_parts"]
    wave("verify", [["verify", "--work", work, "--part", str(p)] + threads for p in range(parts)])
    cluster_threads = ["-j", str(args.cluster_threads or args.threads)]
    wave("cluster", [["cluster", "--work", work] + cluster_threads])
    wave("filter", [["filter", "--work", work, "--rank", str(r)] + threads for r in ranks])
    wave("report", [["report", "--work", work]])
    print(f"spark_textwash: output in {work}/out (part-RANK.jsonl in rank order, report.json)", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # a failed task surfaces here as a Py4J or Spark error
        print(f"spark_textwash: failed: {err}", file=sys.stderr)
        sys.exit(1)
