"""`make smoke` (or `python -m smoke [--keep]`): the production-like stack on loopback,
driven over HTTPS with the demo cards only (smoke/README.md).

One line per step, "ok  <step> (<seconds>)" or "FAIL <step>: <reason>"; the exit
status is 1 when anything failed. Everything started is stopped, the database
dropped and the Redis database flushed, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from smoke.browser import PageError
from smoke.stack import SetupError, Stack
from smoke.steps import STEPS, Smoke, StepFailed

BUDGET = 300.0  # seconds for the whole run; past it the remaining steps fail at once


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m smoke")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (logs, mail, PKI)"
    )
    args = parser.parse_args()
    began = time.monotonic()
    failures = 0
    stack = Stack(keep=args.keep)
    try:
        step_began = time.monotonic()
        try:
            stack.start()
        except SetupError as error:
            failures += 1
            print(f"FAIL setup: {error}", flush=True)
            return 1
        except Exception as error:  # reported like a step's failure
            failures += 1
            print(f"FAIL setup: {type(error).__name__}: {error}", flush=True)
            traceback.print_exc(limit=-3)
            return 1
        print(f"ok  setup ({time.monotonic() - step_began:.1f} s; {stack.describe()})", flush=True)
        smoke = Smoke(stack)
        for name, step in STEPS:
            step_began = time.monotonic()
            if step_began - began > BUDGET:
                print(f"FAIL {name}: over the time budget of {BUDGET:.0f} s", flush=True)
                failures += 1
                continue
            try:
                note = step(smoke)
            except (StepFailed, PageError) as error:
                failures += 1
                print(f"FAIL {name}: {error}", flush=True)
            except Exception as error:  # a step's bug is a failure, not a crash
                failures += 1
                print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
                traceback.print_exc(limit=-3)
            else:
                suffix = f"; {note}" if note else ""
                print(f"ok  {name} ({time.monotonic() - step_began:.1f} s{suffix})", flush=True)
    except KeyboardInterrupt:
        failures += 1
        print("FAIL interrupted", flush=True)
    finally:
        if failures and stack.database_created and not args.keep:
            stack.keep = True
            print(f"Logs, mail and PKI kept in {stack.work}", flush=True)
        for problem in stack.close():
            failures += 1
            print(f"FAIL teardown: {problem}", flush=True)
        total = time.monotonic() - began
        verdict = f"{failures} failed" if failures else "all passed"
        print(f"smoke: {verdict} in {total:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
