// Compile zips of Python modules to bytecode with the Pyodide the site ships (run by
// prover/site/bytecode.py under Node.js at site build time; never served):
//   node compile.mjs PYODIDE_DIR JOBS.json
// JOBS.json: [{"in": path, "out": path, "mode": "stdlib" | "bundle"}, ...]
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, jobsFile] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: dir + path.sep });
const jobs = JSON.parse(readFileSync(jobsFile, "utf-8"));
const compileZip = py.runPython(`
import importlib.util
import io
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

TAG = sys.implementation.cache_tag


def compile_zip(data, mode):
    """stdlib: each X.py becomes a sourceless X.pyc (unchecked hash), named as zipimport finds
    it under /lib/<zip>; bundle: each X.py stays and gains __pycache__/X.<tag>.pyc (checked
    hash: Python recompiles from the source should they ever differ)."""
    src = zipfile.ZipFile(io.BytesIO(data.to_bytes()))
    buf = io.BytesIO()
    prefix = sys.path[1] + "/" if mode == "stdlib" else "/home/pyodide/zk-solvency/"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if not info.filename.endswith(".py"):
                out.writestr(info, body)
                continue
            try:
                code = compile(body, prefix + info.filename, "exec", dont_inherit=True)
            except SyntaxError:
                out.writestr(info, body)  # left as it is: imported from source, if ever
                continue
            checked = mode == "bundle"
            pyc = bytes(_code_to_hash_pyc(code, importlib.util.source_hash(body), checked))
            if checked:
                out.writestr(info, body)
                folder, _, name = info.filename.rpartition("/")
                name = (folder + "/" if folder else "") + f"__pycache__/{name[:-3]}.{TAG}.pyc"
            else:
                name = info.filename + "c"
            pinfo = zipfile.ZipInfo(name, info.date_time)
            pinfo.compress_type = zipfile.ZIP_DEFLATED
            pinfo.external_attr = info.external_attr
            out.writestr(pinfo, pyc)
    return buf.getvalue()


compile_zip
`);
for (const job of jobs) {
  const out = compileZip(new Uint8Array(readFileSync(job.in)), job.mode);
  writeFileSync(job.out, out.toJs());
  out.destroy();
}
