// The playground's script: start Python (Pyodide) and Graphviz (viz-js), install glassgrad's wheel,
// then wire the page to playground.py. Every file comes from this folder (site.json lists the wheels).
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const $ = (id) => document.getElementById(id);
let py = null;  // Pyodide
let viz = null;  // Graphviz
let glue = null;  // the playground module, in Python

function status(text) {
  $("status").textContent = text;
}

// Run `work` as the step called `what` of starting up; a failure names the step, in one line.
async function step(what, work) {
  status(`${what}…`);
  try {
    return await work();
  } catch (error) {
    const message = String(error && error.message ? error.message : error).trim().split("\n").pop();
    throw new Error(`${what} failed: ${message}`);
  }
}

// Pyodide's own words for a missing file can be "Program terminated with exit(1)": name the file instead.
const RUNTIME = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
  .map((name) => `pyodide/${name}`);
async function present(paths) {
  for (const path of paths) {
    const response = await fetch(path, { method: "HEAD" });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  }
}

async function start() {
  const site = await step("Reading site.json", async () => {
    const response = await fetch("site.json");
    if (!response.ok) throw new Error(`site.json: HTTP ${response.status}`);
    return response.json();
  });
  py = await step("Loading Python (Pyodide, about 13 MB)", async () => {
    await present(RUNTIME);
    return loadPyodide({ indexURL: new URL("pyodide/", location.href).href });
  });
  await step("Loading micropip", () => py.loadPackage(new URL(`wheels/${site.micropip}`, location.href).href,
    { messageCallback: () => {} }));
  await step("Installing glassgrad", async () => {
    const wheels = site.wheels.map((name) => new URL(`wheels/${name}`, location.href).href);
    await present(site.wheels.map((name) => `wheels/${name}`));  // micropip would say "not a zip file"
    const micropip = py.pyimport("micropip");
    // deps=False: glassgrad's graphviz-pure is a native program, which a browser has no use for
    await micropip.install.callKwargs(wheels, { deps: false });
    const source = await (await fetch("playground.py")).text();
    py.FS.writeFile("/home/pyodide/playground.py", source);
    glue = py.pyimport("playground");
  });
  viz = await step("Loading Graphviz (WebAssembly)", () => vizInstance());
  await step("Drawing the seed's network", async () => showSeed());
  setUpFormula();
  setUpCell();
  await step("Opening the worksheet", async () => setUpWorksheet());
  document.body.dataset.ready = "true";
}

// --- the formula box --------------------------------------------------------------

const values = {};  // what the learner typed for each name, kept when the formula changes

function svgOf(dot) {
  return viz.renderString(dot, { format: "svg" });
}

function valueBoxes(names, shown) {
  const box = $("values");
  const have = [...box.querySelectorAll("input")].map((input) => input.dataset.name);
  if (have.join(",") === names.join(",")) return;
  box.replaceChildren();
  for (const name of names) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.dataset.name = name;
    input.id = `value-${name}`;
    input.value = values[name] ?? shown[name] ?? "1";
    input.spellcheck = false;
    input.inputMode = "decimal";
    input.addEventListener("input", () => {
      values[name] = input.value;
      redraw();
    });
    label.append(`${name} = `, input);
    box.append(label);
  }
}

function redraw() {
  const text = $("formula").value;
  const answer = JSON.parse(glue.formula(text, JSON.stringify(values)));
  const section = $("formula-section");
  if (answer.error) {
    $("formula-error").textContent = answer.error;
    section.classList.add("failed");
    if (answer.names.length) valueBoxes(answer.names, {});
    return;
  }
  valueBoxes(answer.names, answer.values);
  $("formula-error").textContent = "";
  section.classList.remove("failed");
  $("result").textContent = answer.result;
  $("grads").replaceChildren(...answer.grads.map(([name, grad]) => {
    const span = document.createElement("span");
    span.dataset.name = name;
    span.textContent = `∂/∂${name} = ${grad}`;
    return span;
  }));
  if (!answer.grads.length) $("grads").textContent = "(no names: nothing to differentiate)";
  try {
    $("formula-graph").innerHTML = svgOf(answer.dot);
  } catch (error) {
    $("formula-error").textContent = `Graphviz could not draw it: ${error.message.split("\n")[0]}`;
  }
}

function setUpFormula() {
  let timer = null;
  $("formula").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(redraw, 120);
  });
  for (const [name, value] of [["x", "2"], ["w", "-3"], ["b", "6.88"]]) values[name] = value;
  $("functions").textContent = glue.FUNCTIONS;  // the ops of the table, as the parser reads them
  redraw();
}

// --- the seed's network -----------------------------------------------------------

function showSeed() {
  const seed = JSON.parse(glue.seed());
  $("explain").textContent = seed.explain;
  $("stepper").srcdoc = glue.stepper_page(svgOf(seed.dot));
}

// --- the Python cell --------------------------------------------------------------

function runCell() {
  $("output").textContent = "running…";
  // a moment for the browser to show "running…" before Python takes the thread
  setTimeout(() => {
    const printed = glue.run_cell($("code").value);
    $("output").textContent = printed || "(it printed nothing)";
  }, 10);
}

function setUpCell() {
  const code = $("code");
  code.value = glue.SEED_CELL;
  $("output").textContent = "Press Run ▶ to run the cell.";
  $("run").addEventListener("click", runCell);
  code.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runCell();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      code.setRangeText("    ", code.selectionStart, code.selectionEnd, "end");
    }
  });
}

// --- the worksheet --------------------------------------------------------------

function listItems(id, lines) {
  $(id).replaceChildren(...lines.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
}

// glassgrad's report, a line each: a question's line (two spaces, then its name) is right, wrong or not
// answered; the lines under the first wrong one (what it should be, the likely mistake) are marked out.
function showReport(report, marks, questions) {
  $("worksheet-report").replaceChildren(...report.split("\n").map((line, k) => {
    const span = document.createElement("span");
    const name = (/^  (\S+) +=/.exec(line) || [])[1];
    if (k === 0) span.className = "summary";
    else if (name in marks) span.className = marks[name].correct ? "right" : "wrong";
    else if (questions.includes(name)) span.className = "unanswered";
    else span.className = "explain";
    span.textContent = line;
    return [span, "\n"];
  }).flat());
}

function checkWorksheet(questions) {
  const answers = {};
  for (const input of $("worksheet-questions").querySelectorAll("input")) answers[input.dataset.name] = input.value;
  const result = JSON.parse(glue.check_worksheet(JSON.stringify(answers)));
  $("worksheet-error").textContent = result.error || "";
  for (const input of $("worksheet-questions").querySelectorAll("input")) {
    const name = input.dataset.name;
    const mark = result.error ? null : result.marks[name];
    const cell = $(`mark-${name}`);
    input.classList.toggle("right", Boolean(mark && mark.correct));
    input.classList.toggle("wrong", Boolean(mark && !mark.correct) || result.name === name);
    cell.className = mark ? `mark ${mark.correct ? "right" : "wrong"}` : "mark";
    cell.textContent = !mark ? "" : mark.correct ? "✓ right" : `✗ wrong${mark.mistake ? `: ${mark.mistake}` : ""}`;
  }
  if (result.error) $("worksheet-report").replaceChildren();
  else showReport(result.report, result.marks, questions);
}

function setUpWorksheet() {
  const sheet = JSON.parse(glue.worksheet());
  $("worksheet-graph").innerHTML = svgOf(sheet.dot);
  listItems("worksheet-given", sheet.given);
  listItems("worksheet-formulas", sheet.formulas);
  $("worksheet-sheet").textContent = sheet.markdown;
  const questions = sheet.questions.map(([name]) => name);
  $("worksheet-questions").tBodies[0].replaceChildren(...sheet.questions.map(([name, formula]) => {
    const row = document.createElement("tr");
    const head = document.createElement("th");
    head.textContent = name;
    const symbols = document.createElement("td");
    symbols.className = "formula";
    symbols.textContent = `= ${formula} =`;
    const input = document.createElement("input");
    input.dataset.name = name;
    input.id = `answer-${name}`;
    input.spellcheck = false;
    input.autocomplete = "off";
    input.inputMode = "decimal";
    input.setAttribute("aria-label", `${name} = ${formula}`);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") checkWorksheet(questions);
    });
    const box = document.createElement("td");
    box.append(input);
    const mark = document.createElement("td");
    mark.className = "mark";
    mark.id = `mark-${name}`;
    row.append(head, symbols, box, mark);
    return row;
  }));
  $("worksheet-check").addEventListener("click", () => checkWorksheet(questions));
}

start().catch((error) => {
  const line = String(error.message || error).split("\n")[0];
  $("status").className = "failed";
  status(line);
  document.body.dataset.ready = "failed";
  console.error(error);
});
