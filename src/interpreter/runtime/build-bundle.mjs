// Setup step: precompile Debian's sympy + mpmath for Pyodide's Python into one zip of .pyc files.
// usage: node build-bundle.mjs <pyodideDir> <dist-packages dir> <out zip>
// Runs inside Pyodide so the .pyc magic number matches its Python. Plain ESM, no import.meta.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, src, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + path.sep });
py.FS.mkdirTree("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: src }, "/src");
py.runPython(`
import os, shutil, compileall, zipfile, io, contextlib, warnings
warnings.simplefilter("ignore")
os.makedirs('/build', exist_ok=True)
ign = shutil.ignore_patterns('tests', 'benchmarks', '__pycache__', '*.pyc')
for pkg in ('sympy', 'mpmath'):
    shutil.copytree('/src/' + pkg, '/build/' + pkg, ignore=ign)
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    ok = compileall.compile_dir('/build', quiet=2, legacy=True, optimize=0, workers=1)
if not ok:
    raise SystemExit("compileall failed")
with zipfile.ZipFile('/bundle.zip', 'w', zipfile.ZIP_STORED) as z:   # legacy .pyc only -> zipimport
    for root, dirs, files in sorted(os.walk('/build')):
        for f in sorted(files):
            if f.endswith('.pyc') or not f.endswith('.py'):
                p = os.path.join(root, f)
                z.write(p, os.path.relpath(p, '/build'))
`);
const tmp = `${out}.${process.pid}.tmp`; // unique: concurrent setups never share a temp file
fs.writeFileSync(tmp, py.FS.readFile("/bundle.zip"));
fs.renameSync(tmp, out);
