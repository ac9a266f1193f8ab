"""Start-up cost of the generation CLI: ``--help``, importing the CLI, and building the offline model.

Prints, per phase, wall and process CPU seconds (median of ``--repeats`` fresh processes; CPU time is
the stable figure on a shared machine):

- ``help``: ``python -m audiocraft_expotion.generate --help`` as a subprocess;
- ``import``: importing the CLI's modules and the pipeline (what every generation pays first);
- ``model``: ``ExpotionGen.get_pretrained("tiny")`` (LM with random weights + audiocraft's debug codec);
- ``model_again``: the same a second time in the process (what a warm cache leaves).

Run it from any checkout: ``python bench/startup.py [--repeats 3]``; the last line is JSON.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PHASES = """
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
out = {}
t, c = time.perf_counter(), cpu()
import audiocraft_expotion.generate.__main__, audiocraft_expotion.generate.pipeline  # noqa
from audiocraft_expotion.models.expotion_gen import ExpotionGen
out["import"] = (time.perf_counter() - t, cpu() - c)
for phase in ("model", "model_again"):
    t, c = time.perf_counter(), cpu()
    ExpotionGen.get_pretrained("tiny", device="cpu")
    out[phase] = (time.perf_counter() - t, cpu() - c)
print(json.dumps(out))
"""


def run(args: list) -> tuple:
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(args, capture_output=True, text=True, check=True)
    after = os.times()
    return proc, time.perf_counter() - start, (after.children_user - before.children_user
                                                + after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    os.environ.update(env)
    samples: dict = {"help": [], "import": [], "model": [], "model_again": []}
    for _ in range(args.repeats):
        _, wall, cpu = run([sys.executable, "-m", "audiocraft_expotion.generate", "--help"])
        samples["help"].append((wall, cpu))
        proc, _, _ = run([sys.executable, "-c", PHASES])
        for phase, value in json.loads(proc.stdout.strip().splitlines()[-1]).items():
            samples[phase].append(tuple(value))
    result = {}
    for phase, values in samples.items():
        wall, cpu = statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)
        result[phase] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
        print(f"{phase:12s} wall {wall:7.2f} s   cpu {cpu:7.2f} s   (median of {len(values)})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
