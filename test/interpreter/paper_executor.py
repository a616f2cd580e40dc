# Reference for the paper's Python executor, written from its description (Xiong et al. 2024,
# App. B; ../shared/research/paper-spec.md §2.4; issue 20 item 3), run on Debian's IPython 8.5
# (python3-ipython, /usr/bin/python3):
# - a fresh IPython shell (`InteractiveShell(colors="NoColor")`) per call, warnings ignored;
# - every block of the trajectory re-run in order with `run_cell` (no history stored, so the
#   output prompt is always "Out[1]: "); only the last block's captured output is kept;
# - the captured text is stripped; on an exception only its last paragraph (after the last blank
#   line) is kept; then "Out[1]: " is removed; an empty result is "Result is not defined";
# - a call over the time limit is "Timeout Error".
# usage: python3 paper_executor.py  < JSON lines {"cells": [...], "timeout": seconds}
#        -> one JSON line {"text": ...} per input line, each run in its own process
import json
import multiprocessing
import sys


def execute(cells, conn):
    import warnings
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils import io as ipio

    warnings.filterwarnings("ignore")  # (IPython itself is imported before the fork, below)
    shell = InteractiveShell(colors="NoColor")
    for cell in cells[:-1]:
        with ipio.capture_output():
            shell.run_cell(cell)
    with ipio.capture_output() as captured:
        result = shell.run_cell(cells[-1])
    text = (captured.stdout + captured.stderr).strip()
    if result.error_before_exec is not None or result.error_in_exec is not None:
        text = text.split("\n\n")[-1]
    text = text.replace("Out[1]: ", "")
    conn.send(text if text else "Result is not defined")


def run(cells, timeout):
    parent, child = multiprocessing.Pipe(duplex=False)
    p = multiprocessing.get_context("fork").Process(target=execute, args=(cells, child))
    p.start()
    if parent.poll(timeout):
        text = parent.recv()
    else:
        text = "Timeout Error"
    p.kill()
    p.join()
    return text


if __name__ == "__main__":
    # loaded once here, so that a call's time limit does not include importing IPython
    import IPython.core.interactiveshell  # noqa: F401
    import IPython.utils.io  # noqa: F401
    for line in sys.stdin:
        if line.strip():
            req = json.loads(line)
            print(json.dumps({"text": run(req["cells"], float(req.get("timeout", 20)))}), flush=True)
