// Setup step: a Pyodide memory snapshot with sympy & friends already imported (fast worker start).
// usage: node make-snapshot.mjs <pyodideDir> <bundle zip> <preimport.py> <out>
// Must run with a clean environment (os.environ is frozen into the snapshot).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, zipPath, preimportPath, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ _makeSnapshot: true, indexURL: pyodideDir + path.sep });
py.FS.writeFile("/lib/sympy.zip", new Uint8Array(fs.readFileSync(zipPath)));
py.runPython("import sys\nif '/lib/sympy.zip' not in sys.path: sys.path.append('/lib/sympy.zip')");
py.runPython(fs.readFileSync(preimportPath, "utf8"));
const tmp = `${out}.${process.pid}.tmp`; // unique: concurrent setups never share a temp file
fs.writeFileSync(tmp, py.makeMemorySnapshot());
fs.renameSync(tmp, out);
