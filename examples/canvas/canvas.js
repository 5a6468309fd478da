// The canvas example: one query loads the list, then an SSE subscription
// continues from the snapshot's headCursor, so no change is missed.
// Open it as index.html?api=<url of /graphql>&token=<JWT>, or use the form.

const LOAD = `query CanvasLoad {
  workspaces(first: 100, orderBy: { field: NAME, direction: ASC }) {
    totalCount
    countsByStatus { status count }
    headCursor
    edges { node { id name status } }
  }
}`;
const LIVE = `subscription CanvasLive($after: String) {
  workspaceEvents(after: $after) { cursor type workspaceId status workspace { name } }
}`;

const $ = (id) => document.getElementById(id);
const workspaces = new Map(); // id -> { name, status }
let counts = new Map(); // status -> count
let total = 0;

function render() {
  $("total").textContent = String(total);
  $("counts").replaceChildren(
    ...[...counts].map(([status, count]) => {
      const span = document.createElement("span");
      span.dataset.status = status;
      span.innerHTML = `<span class="badge ${status}">${status}</span> <b>${count}</b>`;
      return span;
    }),
  );
  $("list").replaceChildren(
    ...[...workspaces].map(([id, ws]) => {
      const li = document.createElement("li");
      li.dataset.id = id;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = ws.name;
      const badge = document.createElement("span");
      badge.className = `badge ${ws.status}`;
      badge.textContent = ws.status;
      li.append(name, badge);
      return li;
    }),
  );
}

async function post(api, token, body, accept) {
  const res = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/json", accept, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res;
}

async function load(api, token) {
  const res = await post(api, token, { query: LOAD }, "application/json");
  const { data, errors } = await res.json();
  if (errors) throw new Error(errors[0].message);
  const page = data.workspaces;
  total = page.totalCount;
  // REMOVED is not listed unless asked for, so it is not counted either.
  counts = new Map(page.countsByStatus.filter((c) => c.status !== "REMOVED").map((c) => [c.status, c.count]));
  workspaces.clear();
  for (const { node } of page.edges) workspaces.set(node.id, { name: node.name, status: node.status });
  render();
  return page.headCursor;
}

function apply(event) {
  const ws = workspaces.get(event.workspaceId);
  const before = ws?.status;
  if (before === event.status) return;
  if (before) counts.set(before, (counts.get(before) ?? 1) - 1);
  else total += 1;
  if (event.status === "REMOVED") total -= 1;
  else counts.set(event.status, (counts.get(event.status) ?? 0) + 1);
  workspaces.set(event.workspaceId, { name: ws?.name ?? event.workspace?.name ?? event.workspaceId, status: event.status });
  render();
}

// GraphQL over SSE (distinct connections mode): "event: next" frames carry
// one result each as "data:" lines; "event: complete" ends the stream.
async function subscribe(api, token, after) {
  const res = await post(api, token, { query: LIVE, variables: { after } }, "text/event-stream");
  $("state").textContent = "live";
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let type = "message";
      let data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (type === "complete") return;
      if (type !== "next" || !data) continue;
      const { data: result, errors } = JSON.parse(data);
      if (errors) throw new Error(errors[0].message);
      apply(result.workspaceEvents);
    }
  }
}

async function start(api, token) {
  $("state").textContent = "loading…";
  try {
    const head = await load(api, token);
    await subscribe(api, token, head);
    $("state").textContent = "stream ended";
  } catch (err) {
    $("state").textContent = `error: ${err.message}`;
  }
}

const params = new URLSearchParams(location.search);
const form = $("connect");
form.api.value = params.get("api") ?? "";
form.token.value = params.get("token") ?? "";
form.addEventListener("submit", (e) => {
  e.preventDefault();
  start(form.api.value, form.token.value);
});
if (form.api.value && form.token.value) start(form.api.value, form.token.value);
