"""Run `python -m omstilling ARGS...` once and print its exit code, output and peak RSS as JSON.

Usage: python peak.py [--no-dac] -- ARGS...

Why a wrapper of its own: on Linux a process's ru_maxrss starts at the high-water mark of
the process it was forked from (exec copies the old address space's peak into it, fork
or vfork alike), so a CLI started straight from pytest (100+ MB) would report pytest's
peak. Started from this script (about 10 MB, importing nothing heavy), the child's peak
is its own. RUSAGE_CHILDREN read here after the one child exits is that child's peak,
or that of a worker it forked and waited for (Linux folds a waited-for child's peak into
its parent's): a maximum, not a sample, so no peak falls between two polls.

--no-dac: run the child without the capabilities that let root read any file
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that a file with mode 000 is unreadable to
it as it would be to the service's own user; only used (and only needed) when the tests
run as root.
"""

import json
import resource
import subprocess
import sys


def drop_dac() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    if "--no-dac" in args[:split]:
        drop_dac()
    child = subprocess.run(
        [sys.executable, "-m", "omstilling", *args[split + 1 :]], capture_output=True, timeout=600
    )
    json.dump(
        {
            "code": child.returncode,
            "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            "stdout": child.stdout.decode("utf-8", "replace"),
            "stderr": child.stderr.decode("utf-8", "replace"),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
