#!/usr/bin/python3
"""Execute notebooks on the mathagent kernel headless; write the executed .ipynb and a self-contained .html.

tslab reports a failing cell only on the cell's stderr stream, so plain nbconvert prints an empty error:
this runner numbers the cells, prints the failing cell's source and output, always writes the partial
notebook and HTML, writes a JSON summary, prints "N passed, N failed" last and exits 1 on any failure.

A notebook that cannot be read or run fails by name and the others still run; the summary is
rewritten after each notebook, and every file is written to a temporary file and renamed.

usage: run_notebooks.py [--timeout S] [--out DIR] [--summary FILE] NB.ipynb...
"""
import argparse
import json
import os
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cell_output_text(cell):
    parts = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(ANSI.sub("", "\n".join(o.traceback) or f"{o.ename}: {o.evalue}") + "\n")
    return "".join(parts)


def write_atomic(target, text):
    """Write text to a temporary file beside target, then rename it over target."""
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def failed_result(path, why):
    return {"key": [], "notebook": str(path), "name": path.stem, "ok": False, "seconds": 0, "cells": 0, "executed": 0,
            "html": "", "htmlBytes": 0, "failure": {"cell": 0, "why": why, "source": "", "output": ""}}


def run_one(path, out, timeout):
    """One notebook's result; a notebook that cannot be read or exported fails by name, the others still run."""
    try:
        return run(path, out, timeout)
    except Exception as e:  # noqa: BLE001 - any failure of this notebook is recorded, not raised
        return failed_result(path, f"{type(e).__name__}: {e}")


def execute_cells(client, nb, timeout, counter):
    """Run the code cells in order until one fails; counter gets the count run and the failure."""
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            counter["count"] += 1
            try:
                client.execute_cell(cell, i, execution_count=counter["count"])
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
                cell.execution_count = counter["count"]
                why = ("timed out after %ds" % timeout if isinstance(e, CellTimeoutError)
                       else "kernel died" if isinstance(e, DeadKernelError) else "error")
                counter["failed"] = {"cell": counter["count"], "why": why, "source": cell.source,
                                     "output": cell_output_text(cell)}
                return


def run(path, out, timeout):
    nb = nbformat.reads(path.read_text(encoding="utf-8-sig"), as_version=4)
    # The kernel inherits these: src/display/report.ts writes the notebook's key figures beside its report.
    os.environ["MATHAGENT_NOTEBOOK"] = path.stem
    os.environ["MATHAGENT_REPORT_DIR"] = str(out.resolve())
    key_file = out / (path.stem + ".key.json")
    if key_file.exists():
        key_file.unlink()
    kernel = nb.metadata.get("kernelspec", {}).get("name", "mathagent")
    client = NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    t0 = time.perf_counter()
    counter = {"failed": None, "count": 0}
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    try:
        if code_cells:  # a notebook without code needs no kernel
            execute_cells(client, nb, timeout, counter)
    except Exception as e:  # the kernel did not start: report it as this notebook's failure
        counter["failed"] = {"cell": 0, "why": f"kernel {kernel!r} did not start: {e}", "source": "", "output": ""}
    failed, count = counter["failed"], counter["count"]
    seconds = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / path.name, nbformat.writes(nb))
    body, _ = HTMLExporter().from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    html = out / (path.stem + ".html")
    write_atomic(html, body)
    key = json.loads(key_file.read_text(encoding="utf-8")) if key_file.exists() else []
    return {"key": key, "notebook": str(path), "name": path.stem, "ok": failed is None, "seconds": round(seconds, 2),
            "cells": code_cells, "executed": count, "html": html.name, "htmlBytes": html.stat().st_size,
            "failure": failed}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    ap.add_argument("--out", default="reports")
    ap.add_argument("--summary", help="write a JSON summary of the run here")
    ap.add_argument("--no-total", action="store_true", help="leave the closing 'N passed, N failed' to the caller")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    results = []
    for nb in map(pathlib.Path, a.notebooks):
        print(f"run  {nb} ...", flush=True)
        r = run_one(nb, out, a.timeout)
        results.append(r)
        if a.summary:
            write_atomic(pathlib.Path(a.summary), json.dumps(results, indent=1))
        if r["ok"]:
            print(f"ok   {nb} ({r['cells']} code cells, {r['seconds']:.1f}s) -> {out / r['html']}", flush=True)
        else:
            f = r["failure"]
            if f["cell"] == 0:
                print(f"FAIL {nb}: {f['why']}", flush=True)
                continue
            print(f"FAIL {nb}: cell [{f['cell']}] {f['why']} ({r['seconds']:.1f}s)", flush=True)
            print(f"--- cell [{f['cell']}] source ---\n{f['source']}\n--- cell [{f['cell']}] output ---\n{f['output']}---", flush=True)
    if a.summary and not results:
        write_atomic(pathlib.Path(a.summary), "[]")
    failed = sum(1 for r in results if not r["ok"])
    if not a.no_total:
        print(f"{len(results) - failed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
