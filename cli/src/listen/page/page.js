// The inspector page: deliveries as `listen` receives them, told by its event stream
// (/api/events), the whole list read again whenever the stream (re)opens.
//
// Everything a delivery holds came from its sender, or from the app it was forwarded
// to: it goes into the page as text (textContent, attribute values), never as markup.
"use strict";

const rows = document.getElementById("deliveries");
const template = document.getElementById("delivery-template");
const typeFilter = document.getElementById("filter-type");
const statusFilter = document.getElementById("filter-status");
const NO_TYPE = "(none)";
const MAX_ROWS = 1000;
/** The most characters of a filter option's text: a refused body's type is anybody's. */
const MAX_OPTION_CHARS = 80;

/** The deliveries shown, by id. */
const entries = new Map();

/** An element with a class and a text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** The JSON Pointer of `key` under `pointer` (RFC 6901: `~` and `/` escaped). */
function childPointer(pointer, key) {
  return pointer + "/" + String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Whether an answer of `status` makes a delivery delivered, as Lago counts it (and
 * `send::delivered` in the command): 200, 201, 202 and 204 only; Lago retries the rest. */
function delivered(status) {
  return status === 200 || status === 201 || status === 202 || status === 204;
}

function statusClass(status) {
  if (delivered(status)) return "ok";
  if (status >= 400 && status < 500) return "client-error";
  return "server-error";
}

function typeOf(entry) {
  return entry.webhook_type || NO_TYPE;
}

/** Adds a delivery, or brings one already shown up to date; the filters' options too,
 * unless `inBatch` (the caller refreshes them once, after the batch). */
function upsert(entry, inBatch) {
  entries.set(entry.id, entry);
  let row = document.getElementById("delivery-" + entry.id);
  if (!row) {
    row = template.content.firstElementChild.cloneNode(true);
    row.id = "delivery-" + entry.id;
    row.addEventListener("toggle", () => {
      if (row.open && !row.dataset.rendered) renderDetail(row, entries.get(Number(row.dataset.id)));
    });
    row.querySelector(".replay").addEventListener("click", () => replay(row));
    // Newest first.
    let next = rows.firstElementChild;
    while (next && Number(next.dataset.id) > entry.id) next = next.nextElementSibling;
    rows.insertBefore(row, next);
    // listen keeps the last 1,000: so does the page, between reloads.
    while (rows.children.length > MAX_ROWS) {
      entries.delete(Number(rows.lastElementChild.dataset.id));
      rows.lastElementChild.remove();
    }
  }
  renderSummary(row, entry);
  if (row.dataset.rendered) renderDetail(row, entry);
  if (!inBatch) {
    refreshOptions();
    applyFilters();
  }
}

function renderSummary(row, entry) {
  row.dataset.id = String(entry.id);
  row.dataset.type = typeOf(entry);
  row.dataset.status = String(entry.status);
  row.dataset.signature = entry.signature;
  row.dataset.violations = String(entry.violations.length);
  row.classList.toggle("has-violations", entry.violations.length > 0);
  const time = row.querySelector(".time");
  const at = new Date(entry.received_ms);
  time.dateTime = at.toISOString();
  time.textContent = at.toLocaleTimeString([], { hour12: false }) + "." + String(at.getMilliseconds()).padStart(3, "0");
  time.title = at.toString();
  const type = row.querySelector(".type");
  type.textContent = entry.webhook_type || "(unknown type)";
  if (entry.violations.length > 0) {
    type.append(el("span", "badge violation-badge", entry.violations.length + (entry.violations.length === 1 ? " violation" : " violations")));
  }
  const signature = row.querySelector(".signature");
  signature.textContent = (entry.scheme || "-") + " " + entry.signature;
  signature.className = "signature sig-" + entry.signature;
  const status = row.querySelector(".status");
  status.textContent = String(entry.status);
  status.title = entry.outcome;
  status.className = "status " + statusClass(entry.status);
  const forward = row.querySelector(".forward");
  const forwarded = entry.forward;
  forward.className = "forward";
  forward.textContent = "";
  delete row.dataset.forwardStatus;
  if (forwarded) {
    if (forwarded.state === "answered") {
      forward.textContent = "→ " + forwarded.status;
      forward.classList.add(statusClass(forwarded.status));
      row.dataset.forwardStatus = String(forwarded.status);
    } else if (forwarded.state === "failed") {
      forward.textContent = "→ failed";
      forward.classList.add("server-error");
      row.dataset.forwardStatus = "failed";
    } else {
      forward.textContent = "→ …";
      row.dataset.forwardStatus = "pending";
    }
  }
}

/** The detail of a delivery: drawn when first opened, and again when it changes. */
function renderDetail(row, entry) {
  row.dataset.rendered = "1";
  const replayButton = row.querySelector(".replay");
  replayButton.dataset.id = String(entry.id);
  // listen replays only what was signed with its key (it answers 409 otherwise): signing
  // a stranger's body would make it a delivery of Lago's.
  const verified = entry.signature === "verified";
  replayButton.disabled = !entry.body_read || !verified;
  replayButton.title = !verified ? "Its signature did not verify: only deliveries signed with the key are replayed" : entry.body_read ? "Sign the same body again under a new unique key and send it to the endpoint" : "Its body never came whole";
  const save = row.querySelector(".save");
  save.href = "/api/deliveries/" + entry.id + "/body";
  save.dataset.id = String(entry.id);
  save.hidden = !entry.body_read;
  row.querySelector(".unique-key").textContent = entry.unique_key || "(none)";
  row.querySelector(".outcome").textContent = entry.status + " " + entry.outcome;
  const forwardAnswer = row.querySelector(".forward-answer");
  const forwarded = entry.forward;
  forwardAnswer.hidden = row.querySelector(".forward-answer-label").hidden = !forwarded;
  if (forwarded) {
    forwardAnswer.textContent = forwarded.state === "answered" ? forwarded.status + " " + forwarded.body : forwarded.state === "failed" ? "failed: " + forwarded.error : "waiting for the app…";
  }
  const recorded = row.querySelector(".recorded");
  recorded.hidden = row.querySelector(".recorded-label").hidden = !entry.recorded;
  recorded.textContent = entry.recorded || "";

  const byPointer = new Map();
  for (const violation of entry.violations) {
    if (!byPointer.has(violation.pointer)) byPointer.set(violation.pointer, []);
    byPointer.get(violation.pointer).push(violation.message);
  }
  const tree = row.querySelector(".tree");
  tree.replaceChildren();
  row.querySelector(".payload-section").hidden = entry.event === null;
  if (entry.event !== null) tree.append(node(null, entry.event, "", byPointer, 0));

  const list = row.querySelector(".violations");
  list.replaceChildren();
  row.querySelector(".violations-section").hidden = entry.violations.length === 0;
  for (const violation of entry.violations) {
    const item = el("li", "violation-item");
    item.dataset.pointer = violation.pointer;
    const pointer = el("a", "pointer", violation.pointer || "/");
    pointer.href = "#";
    pointer.addEventListener("click", (event) => {
      event.preventDefault();
      const target = [...tree.querySelectorAll("[data-pointer]")].find((n) => n.dataset.pointer === violation.pointer);
      if (target) target.scrollIntoView({ block: "center" });
    });
    item.append(pointer, " ", el("span", "message", violation.message));
    list.append(item);
  }

  const headers = row.querySelector(".headers tbody");
  headers.replaceChildren();
  for (const [name, value] of entry.headers) {
    const line = el("tr");
    line.append(el("th", null, name), el("td", null, value));
    headers.append(line);
  }
  row.querySelector(".raw").textContent = entry.body;
}

/** One node of the payload tree, marked when a violation points at it or below it. */
function node(key, value, pointer, byPointer, depth) {
  const isContainer = value !== null && typeof value === "object";
  const messages = byPointer.get(pointer);
  const below = [...byPointer.keys()].some((p) => p.startsWith(pointer + "/"));
  let item;
  if (isContainer) {
    item = el("details", "node");
    const members = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    item.open = depth < 2 || below || Boolean(messages);
    const summary = el("summary");
    if (key !== null) summary.append(el("span", "key", key), ": ");
    summary.append(el("span", "kind", Array.isArray(value) ? "[" + members.length + "]" : "{" + members.length + "}"));
    item.append(summary);
    const children = el("ul", "children");
    for (const [childKey, child] of members) {
      const li = el("li");
      li.append(node(childKey, child, childPointer(pointer, childKey), byPointer, depth + 1));
      children.append(li);
    }
    item.append(children);
  } else {
    item = el("div", "leaf");
    if (key !== null) item.append(el("span", "key", key), ": ");
    const kind = value === null ? "null" : typeof value;
    item.append(el("span", "value value-" + kind, JSON.stringify(value)));
  }
  item.dataset.pointer = pointer;
  if (below) item.classList.add("contains-violation");
  if (messages) {
    item.classList.add("violation");
    const notes = el("span", "violation-note", messages.join("; "));
    if (isContainer) item.querySelector("summary").append(notes);
    else item.append(notes);
  }
  return item;
}

/** A filter's options after its "all" option: one per value the rows shown hold (and
 * the one chosen, which stays until it is changed), sorted, their text cut. Rebuilt from
 * the rows, so that the options of rows dropped go with them. */
function setOptions(select, values) {
  const wanted = new Set(values);
  if (select.value) wanted.add(select.value);
  const sorted = [...wanted].sort((a, b) => a.localeCompare(b));
  const present = [...select.options].slice(1).map((option) => option.value);
  if (present.length === sorted.length && present.every((value, i) => value === sorted[i])) return;
  const chosen = select.value;
  const options = sorted.map((value) => {
    // By code points, so that a character outside the BMP is never cut in two.
    const points = Array.from(value);
    const text = points.length > MAX_OPTION_CHARS ? points.slice(0, MAX_OPTION_CHARS).join("") + "…" : value;
    const option = el("option", null, text);
    option.value = value;
    option.title = value;
    return option;
  });
  select.replaceChildren(select.options[0], ...options);
  select.value = chosen;
}

function refreshOptions() {
  const shown = [...rows.children];
  setOptions(typeFilter, shown.map((row) => row.dataset.type));
  setOptions(statusFilter, shown.map((row) => row.dataset.status));
}

function applyFilters() {
  let shown = 0;
  for (const row of rows.children) {
    const visible = (!typeFilter.value || row.dataset.type === typeFilter.value) && (!statusFilter.value || row.dataset.status === statusFilter.value);
    row.hidden = !visible;
    if (visible) shown += 1;
  }
  const total = rows.children.length;
  document.getElementById("count").textContent = shown === total ? total + (total === 1 ? " delivery" : " deliveries") : shown + " of " + total + " deliveries";
  document.getElementById("empty").hidden = total > 0;
}

async function replay(row) {
  const result = row.querySelector(".replay-result");
  result.textContent = "replaying…";
  result.className = "replay-result";
  try {
    const response = await fetch("/api/deliveries/" + row.dataset.id + "/replay", { method: "POST", headers: { "X-Lago-Inspector": "replay" } });
    const answer = await response.json();
    if (response.ok) {
      result.textContent = "replayed as " + answer.unique_key + ": " + answer.status + " " + answer.body;
      result.classList.add(statusClass(answer.status));
    } else {
      result.textContent = "not replayed: " + answer.error;
      result.classList.add("server-error");
    }
  } catch (error) {
    result.textContent = "not replayed: " + error;
    result.classList.add("server-error");
  }
}

async function load() {
  const response = await fetch("/api/deliveries");
  if (!response.ok) return;
  const list = await response.json();
  document.getElementById("endpoint").textContent = list.endpoint;
  document.getElementById("empty-endpoint").textContent = list.endpoint;
  document.getElementById("forward-to-line").hidden = !list.forward_to;
  document.getElementById("forward-to").textContent = list.forward_to || "";
  const kept = new Set(list.deliveries.map((entry) => entry.id));
  // Deliveries the store no longer keeps leave the page too.
  for (const row of [...rows.children]) {
    if (!kept.has(Number(row.dataset.id))) {
      entries.delete(Number(row.dataset.id));
      row.remove();
    }
  }
  for (const entry of list.deliveries) upsert(entry, true);
  refreshOptions();
  applyFilters();
}

function connect() {
  const connection = document.getElementById("connection");
  const stream = new EventSource("/api/events");
  stream.addEventListener("open", () => {
    connection.dataset.state = "live";
    connection.textContent = "live";
    load();
  });
  stream.addEventListener("delivery", (event) => upsert(JSON.parse(event.data)));
  stream.addEventListener("reload", () => load());
  stream.addEventListener("error", () => {
    connection.dataset.state = "reconnecting";
    connection.textContent = "reconnecting…";
  });
}

typeFilter.addEventListener("change", applyFilters);
statusFilter.addEventListener("change", applyFilters);
applyFilters();
connect();
