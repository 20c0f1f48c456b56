// The verify page: loads Pyodide, the bundled verifier (assets/zk-solvency.zip) and the
// RIPEMD-160 and keccak-256 of @noble/hashes (noble-hashes/, ES modules; Pyodide's core has
// neither), then runs verifier.web.inclusion on the customer's proof file and this round's
// statement.json.
// Everything shown comes from the verifier's answer, set as text (never as HTML).
"use strict";
(function () {
  const app = document.getElementById("app");
  const statusEl = document.getElementById("status");
  const form = document.getElementById("form");
  const uidEl = document.getElementById("uid");
  const fileEl = document.getElementById("file");
  const checkEl = document.getElementById("check");
  const keyEl = document.getElementById("userkey");
  const resultEl = document.getElementById("result");
  const round = app.dataset.round;
  let web = null;
  let statement = null;
  let maxBytes = 2 * 1024 * 1024;
  const started = performance.now();
  window.zkSolvency = { ready: false, busy: false, readySeconds: null, last: null, info: null, steps: {} };
  // seconds from the script's start to the end of each step of boot (the benchmark reports them)
  const step = (name) => { window.zkSolvency.steps[name] = (performance.now() - started) / 1000; };

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? "status error" : "status";
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function firstLine(err) {
    return String(err && err.message ? err.message : err).split("\n")[0];
  }

  async function fetchBytes(url) {
    const resp = await fetch(url);
    if (!resp.ok) throw new Error(url + ": " + resp.status + " " + resp.statusText);
    return new Uint8Array(await resp.arrayBuffer());
  }

  async function loadHashes() {
    // the hashes the ownership checks need, as functions of hex strings (verifier.web.use_hashes)
    const base = new URL(app.dataset.hashes, location.href).href;
    const [legacy, sha3, utils] = await Promise.all([
      import(base + "legacy.js"),
      import(base + "sha3.js"),
      import(base + "utils.js"),
    ]);
    const hex = (fn) => (data) => utils.bytesToHex(fn(utils.hexToBytes(data)));
    return { ripemd160: hex(legacy.ripemd160), keccak256: hex(sha3.keccak_256) };
  }

  async function boot() {
    const indexURL = new URL(app.dataset.root + "pyodide/", location.href).href;
    const [pyodide, zip, table, st, hashes] = await Promise.all([
      loadPyodide({ indexURL: indexURL }).then((p) => { step("pyodide"); return p; }),
      fetchBytes(app.dataset.bundle),
      fetchBytes(app.dataset.table),
      fetchBytes(app.dataset.statement),
      loadHashes(),
    ]);
    pyodide.unpackArchive(zip, "zip", { extractDir: "/home/pyodide/zk-solvency" });
    pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/zk-solvency')");
    step("unpacked");
    web = pyodide.pyimport("verifier.web");
    step("imported");
    web.use_hashes(hashes.ripemd160, hashes.keccak256, app.dataset.hashesLabel);
    window.zkSolvency.hashes = hashes;
    const info = JSON.parse(web.start(table));
    step("started");
    maxBytes = info.max_proof_bytes;
    statement = st;
    window.zkSolvency.info = info;
    window.zkSolvency.readySeconds = (performance.now() - started) / 1000;
    window.zkSolvency.ready = true;
    checkEl.disabled = false;
    setStatus("Ready. Type your user id, pick your proof file, then press Check my proof.");
    showKey();
  }

  function showKey() {
    keyEl.textContent = "";
    if (!web || !uidEl.value) return;
    const ans = JSON.parse(web.user_key(round, uidEl.value));
    keyEl.textContent = ans.key
      ? "Your proof file for round " + round + " is named " + ans.key + ".json (or .bin)."
      : ans.error;
  }

  function megabytes(n) {
    return (n / (1024 * 1024)).toFixed(1) + " MB";
  }

  function plain(sentence) {
    // one plain sentence in place of a verdict; the form stays usable
    resultEl.textContent = "";
    const box = el("div", null, "verdict bad-input");
    box.dataset.result = "bad-input";
    box.appendChild(el("h2", "Cannot check this"));
    box.appendChild(el("p", sentence, "sentence"));
    resultEl.appendChild(box);
    window.zkSolvency.last = { result: "bad-input", sentence: sentence };
  }

  const VERDICT = {
    valid: "VALID: your balances are included",
    invalid: "INVALID: this proof does not check out",
    "bad-input": "Cannot check this",
    error: "Cannot check this",
  };

  function show(ans) {
    resultEl.textContent = "";
    const box = el("div", null, "verdict " + ans.result);
    box.dataset.result = ans.result;
    box.appendChild(el("h2", VERDICT[ans.result]));
    if (ans.sentence) box.appendChild(el("p", ans.sentence, "sentence"));
    const facts = el("dl", null, "facts");
    const add = (k, v, cls, field) => {
      facts.appendChild(el("dt", k));
      const dd = el("dd", v, cls);
      dd.dataset.field = field;
      facts.appendChild(dd);
    };
    if (ans.user_id !== null) add("Proof made for user id", ans.user_id, "", "user-id");
    if (ans.round !== null) add("Proof for round", ans.round, "", "round");
    if (ans.statement_digest) add("Statement digest", ans.statement_digest, "hex mono", "statement-digest");
    box.appendChild(facts);
    resultEl.appendChild(box);
    const cli = ans.cli || {};
    if (cli.balances) {
      resultEl.appendChild(el("h2", "Your balances counted in the liabilities"));
      const table = el("table");
      table.id = "balances";
      for (const [sym, amount] of Object.entries(cli.balances)) {
        const tr = el("tr");
        tr.dataset.asset = sym;
        tr.appendChild(el("th", sym));
        tr.appendChild(el("td", amount, "num"));
        table.appendChild(tr);
      }
      resultEl.appendChild(table);
    }
    if ((ans.checks && ans.checks.length) || ans.failed) {
      resultEl.appendChild(el("h2", "Checks"));
      const ul = el("ul", null, "checks");
      ul.id = "checks";
      for (const [name, text] of ans.checks || []) {
        const li = el("li", "Passed: " + text + ".", "pass");
        li.dataset.check = name;
        ul.appendChild(li);
      }
      if (ans.failed) {
        const li = el("li", "Failed: " + ans.failed[1] + ". " + (ans.sentence || ""), "fail");
        li.dataset.check = ans.failed[0];
        ul.appendChild(li);
      }
      resultEl.appendChild(ul);
    }
    if (ans.solvency && ans.solvency.length) {
      resultEl.appendChild(el("h2", "Solvency of this round"));
      const ul = el("ul");
      ul.id = "solvency";
      for (const line of ans.solvency) ul.appendChild(el("li", line));
      resultEl.appendChild(ul);
    }
    resultEl.appendChild(el("p", "Checked in " + ans.seconds.toFixed(2) + " s.", "sub"));
    window.zkSolvency.last = ans;
  }

  async function check(ev) {
    ev.preventDefault();
    if (!web || window.zkSolvency.busy) return;
    const file = fileEl.files && fileEl.files[0];
    if (!uidEl.value) return plain("Type your user id first: the page checks that the proof was made for it.");
    if (!file) return plain("Pick your proof file first: the file named by your user key, .json or .bin.");
    if (file.size === 0) {
      return plain("The file " + file.name + " is empty: pick your proof file, the one named by your user key.");
    }
    if (file.size > maxBytes) {
      return plain("The file " + file.name + " is " + megabytes(file.size) + ", larger than any proof file (at most " +
        megabytes(maxBytes) + "): pick your proof file, the one named by your user key.");
    }
    window.zkSolvency.busy = true;
    checkEl.disabled = true;
    resultEl.textContent = "";
    setStatus("Checking your proof\u2026");
    try {
      const proof = new Uint8Array(await file.arrayBuffer());
      await new Promise((r) => setTimeout(r, 20)); // let the status paint before the work
      show(JSON.parse(web.inclusion(statement, proof, file.name, uidEl.value)));
    } catch (err) {
      plain("The page could not check this file: " + firstLine(err));
    } finally {
      setStatus("Done. You can check another file.");
      window.zkSolvency.busy = false;
      checkEl.disabled = false;
    }
  }

  form.addEventListener("submit", check);
  uidEl.addEventListener("input", showKey);
  boot().catch((err) => {
    setStatus("The verifier could not start in this browser: " + firstLine(err), true);
  });
})();
