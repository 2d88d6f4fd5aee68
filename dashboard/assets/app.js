// rocketmock heartbeat dashboard: plain JavaScript, no framework.
//
// Everything comes from the control API with relative URLs (v1/...), so
// the page works wherever the API is mounted. The token is taken once from
// the URL fragment (#token=...), kept in sessionStorage, and sent as
// "Authorization: Bearer" with every request, the event stream included
// (read with fetch, not EventSource, so that it never appears in a URL).
'use strict';

(function () {
  const TOKEN_KEY = 'rocketmock.token';
  const POLL_MS = 2000;            // send counts, lag (and everything while the stream is down)
  const EXPIRED_KEEP_MS = 60000;   // an expired client stays listed, greyed, this long
  const CLOSED_KEEP_MS = 3000;     // a closed or unregistered one this long, then it goes
  const GONE_KEEP_MS = 10000;      // one that vanished without an event saying why
  const TIMELINE_MAX = 300;
  const STREAM_SILENCE_MS = 45000; // the server pings every 15 s: reconnect after this much silence
  const DEFAULT_EXPIRY_MS = 120000;

  const $ = (id) => document.querySelector('[data-testid="' + id + '"]');

  let token = readToken();
  let authFailed = false;

  // What the API said, and when.
  const st = {
    health: null,
    expiryMs: DEFAULT_EXPIRY_MS,
    virtual: false,
    clockMs: 0,        // broker clock at clockAt (performance.now())
    clockAt: 0,
    producers: [],     // [{group, clients: [...]}]
    consumers: [],     // [{group, clients: [...], offsets: {...}}]
    counts: [],        // GET v1/send-counts
    queues: {},        // topic → write queue count (GET v1/topics), so that empty queues show
  };
  // Clients no longer listed by the API but still shown, by key.
  const ghosts = new Map();
  let loadGen = 0;
  let lastRender = '';

  // ---------------------------------------------------------------- token

  function readToken() {
    const m = /(?:^#|[#&])token=([^&]*)/.exec(location.hash);
    if (m) {
      try { sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1])); } catch (e) { /* storage off: keep it in memory */ }
      const rest = location.hash.replace(/(^#|&)token=[^&]*/, '$1').replace(/^#&?$/, '');
      history.replaceState(null, '', location.pathname + location.search + rest);
      return decodeURIComponent(m[1]);
    }
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  function askToken(message) {
    authFailed = true;
    const form = $('token-form');
    form.hidden = false;
    $('token-message').textContent = message || '';
    setStream('unauthorized', 'events: need the token');
    form.querySelector('input').focus();
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = e.target.querySelector('input');
    token = input.value.trim();
    input.value = '';
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (err) { /* memory only */ }
    e.target.hidden = true;
    authFailed = false;
    start();
  });

  // ------------------------------------------------------------------ API

  class Unauthorized extends Error {}

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const resp = await fetch(path, { headers, cache: 'no-store' });
    if (resp.status === 401) {
      const body = await resp.json().catch(() => ({}));
      throw new Unauthorized(body.error || 'unauthorized');
    }
    const body = await resp.json().catch(() => null);
    if (!resp.ok) {
      const err = new Error(path + ': ' + resp.status + ' ' + ((body && body.error) || resp.statusText));
      err.status = resp.status;
      throw err;
    }
    return body;
  }

  const seg = encodeURIComponent;

  function showError(err) {
    if (err instanceof Unauthorized) {
      askToken(token ? 'wrong token: ' + err.message : '');
      return;
    }
    const p = $('error');
    if (!err) { p.hidden = true; p.textContent = ''; return; }
    p.hidden = false;
    p.textContent = String(err.message || err);
  }

  // ------------------------------------------------------------ the clock

  function brokerNow() {
    if (st.virtual) return st.clockMs; // stands still until advanced
    return st.clockMs + (performance.now() - st.clockAt);
  }

  function setClock(c) {
    st.virtual = !!c.virtualClock;
    st.clockMs = c.nowMs;
    st.clockAt = performance.now();
  }

  // ---------------------------------------------------------------- loads

  // loadAll reads the whole state: health, clock, groups, clients, counts,
  // offsets.
  async function loadAll() {
    const gen = ++loadGen;
    const health = await api('v1/health');
    const clock = await api('v1/clock');
    const groups = (await api('v1/groups')).groups || [];
    const producers = await Promise.all(groups.map(async (g) => {
      try {
        return { group: g.name, clients: (await api('v1/groups/' + seg(g.name) + '/producers')).producers || [] };
      } catch (e) {
        if (e.status === 404) return { group: g.name, clients: [] }; // removed meanwhile
        throw e;
      }
    }));
    const cgroups = (await api('v1/consumer-groups')).groups || [];
    const consumers = await Promise.all(cgroups.map(async (g) => {
      let clients = [];
      try {
        clients = (await api('v1/consumer-groups/' + seg(g.name) + '/consumers')).consumers || [];
      } catch (e) {
        if (e.status !== 404) throw e;
      }
      return { group: g.name, clients, offsets: await api('v1/consumer-groups/' + seg(g.name) + '/offsets') };
    }));
    const counts = (await api('v1/send-counts')).counts || [];
    const queues = await loadQueues();
    if (gen !== loadGen) return; // a newer load is under way
    st.health = health;
    st.expiryMs = health.expiryMs > 0 ? health.expiryMs : DEFAULT_EXPIRY_MS;
    setClock(clock);
    noteVanished(st.producers, producers, 'producer', gen);
    noteVanished(st.consumers, consumers, 'consumer', gen);
    st.producers = producers;
    st.consumers = consumers;
    st.counts = counts;
    st.queues = queues;
    dropRevived(gen);
    showError(null);
    render();
  }

  // loadCounts refreshes what changes without events: send counts, lag,
  // and the real clock's offset.
  async function loadCounts() {
    const gen = loadGen;
    const counts = (await api('v1/send-counts')).counts || [];
    const offsets = await Promise.all(st.consumers.map((c) => api('v1/consumer-groups/' + seg(c.group) + '/offsets').catch(() => c.offsets)));
    const clock = await api('v1/clock');
    const queues = await loadQueues();
    if (gen !== loadGen) return;
    st.counts = counts;
    st.queues = queues;
    st.consumers.forEach((c, i) => { c.offsets = offsets[i]; });
    setClock(clock);
    showError(null);
    render();
  }

  // loadQueues reads each topic's write queue count (none when it cannot).
  async function loadQueues() {
    const out = {};
    try {
      for (const t of (await api('v1/topics')).topics || []) out[t.name] = t.writeQueueNums;
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
    }
    return out;
  }

  let reloadTimer = 0;
  // reload coalesces the reloads events ask for.
  function reload() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = 0;
      loadAll().catch(showError);
    }, 100);
  }

  const key = (role, group, id) => role + '\u0000' + group + '\u0000' + id;

  // noteVanished keeps clients that left the list without an event saying
  // why (the stream is down, or the event is still on its way).
  function noteVanished(before, after, role, gen) {
    const now = Date.now();
    const listed = new Set();
    after.forEach((g) => g.clients.forEach((c) => listed.add(key(role, g.group, c.clientId))));
    before.forEach((g) => g.clients.forEach((c) => {
      const k = key(role, g.group, c.clientId);
      if (listed.has(k) || ghosts.has(k)) return;
      ghosts.set(k, { role, group: g.group, client: c, state: 'gone', reason: 'no longer registered', until: now + GONE_KEEP_MS, gen });
    }));
  }

  // dropRevived forgets the ghosts of clients a load started after their
  // event lists again: they registered anew.
  function dropRevived(gen) {
    const listed = new Set();
    st.producers.forEach((g) => g.clients.forEach((c) => listed.add(key('producer', g.group, c.clientId))));
    st.consumers.forEach((g) => g.clients.forEach((c) => listed.add(key('consumer', g.group, c.clientId))));
    for (const [k, gh] of ghosts) {
      if (listed.has(k) && gh.gen < gen) ghosts.delete(k);
    }
  }

  // ---------------------------------------------------------------- events

  let lastEventId = 0;
  let streamAbort = null;
  let retryMs = 2000;
  let streamGen = 0; // a newer stream() ends the older one

  function setStream(state, text) {
    const s = $('stream-status');
    s.dataset.state = state;
    s.textContent = text;
  }

  async function stream() {
    const gen = ++streamGen;
    for (;;) {
      if (authFailed || gen !== streamGen) return;
      const ctl = new AbortController();
      streamAbort = ctl;
      let silence = 0;
      const watchdog = () => {
        clearTimeout(silence);
        silence = setTimeout(() => ctl.abort(), STREAM_SILENCE_MS);
      };
      try {
        const headers = { Accept: 'text/event-stream' };
        if (token) headers.Authorization = 'Bearer ' + token;
        if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
        const resp = await fetch('v1/events', { headers, cache: 'no-store', signal: ctl.signal });
        if (resp.status === 401) {
          askToken('wrong token');
          return;
        }
        if (!resp.ok || !resp.body) {
          setStream('unavailable', 'events: unavailable (' + resp.status + '), polling every ' + POLL_MS / 1000 + ' s');
          resp.body && resp.body.cancel().catch(() => {});
          await sleep(10000);
          continue; // checks gen first
        }
        setStream('live', 'events: live');
        watchdog();
        // Resumed: the missed events follow. Fresh: events from now on,
        // so read the state now.
        if (!lastEventId) reload();
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          watchdog();
          buf += value.replace(/\r\n?/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            dispatch(block);
          }
        }
      } catch (e) {
        if (authFailed || gen !== streamGen) return;
      } finally {
        clearTimeout(silence);
      }
      if (authFailed || gen !== streamGen) return;
      setStream('reconnecting', 'events: reconnecting');
      await sleep(retryMs);
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // dispatch handles one server-sent event block.
  function dispatch(block) {
    let id = '', kind = 'message', data = '';
    for (const line of block.split('\n')) {
      if (line === '' || line[0] === ':') continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'id') id = value;
      else if (field === 'event') kind = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (id && /^\d+$/.test(id)) lastEventId = Number(id);
    if (!data) return;
    let ev;
    try { ev = JSON.parse(data); } catch (e) { return; }
    ev.kind = ev.kind || kind;
    onEvent(ev);
  }

  const GOING = {
    expired: ['expired', EXPIRED_KEEP_MS], 'consumer-expired': ['expired', EXPIRED_KEEP_MS],
    closed: ['closed', CLOSED_KEEP_MS], 'consumer-closed': ['closed', CLOSED_KEEP_MS],
    unregistered: ['unregistered', CLOSED_KEEP_MS], 'consumer-unregistered': ['unregistered', CLOSED_KEEP_MS],
  };
  const RELOADS = new Set(['registered', 'unregistered', 'closed', 'expired', 'group-removed',
    'consumer-registered', 'consumer-unregistered', 'consumer-closed', 'consumer-expired', 'consumer-group-removed']);

  function onEvent(ev) {
    addTimeline(ev);
    if (ev.kind === 'gap') {
      reload();
      return;
    }
    if (ev.kind === 'clock-advanced') {
      if (ev.timeMs > brokerNow()) setClock({ virtualClock: st.virtual, nowMs: ev.timeMs });
      reload(); // the scan may have run on the way
      render();
      return;
    }
    const going = GOING[ev.kind];
    if (going && ev.clientId) {
      const role = ev.kind.startsWith('consumer-') ? 'consumer' : 'producer';
      const k = key(role, ev.group || '', ev.clientId);
      const old = ghosts.get(k);
      // The connection of an expired client closes next: it stays expired.
      if (!(old && old.state === 'expired' && going[0] !== 'expired')) {
        ghosts.set(k, {
          role, group: ev.group || '', client: findClient(role, ev.group, ev.clientId) || { clientId: ev.clientId, addr: ev.addr || '' },
          state: going[0], reason: ev.reason || defaultReason(going[0]), until: Date.now() + going[1], gen: loadGen,
        });
      }
    }
    if (ev.kind === 'refreshed' || ev.kind === 'consumer-refreshed') {
      refreshHeartbeat(ev);
      return;
    }
    if (RELOADS.has(ev.kind)) reload();
    render();
  }

  function defaultReason(state) {
    if (state === 'expired') return 'no heartbeat for ' + Math.round(st.expiryMs / 1000) + ' s';
    if (state === 'closed') return 'connection closed';
    return 'the client unregistered';
  }

  function findClient(role, group, id) {
    const list = role === 'consumer' ? st.consumers : st.producers;
    const g = list.find((x) => x.group === group);
    return g && g.clients.find((c) => c.clientId === id);
  }

  // refreshHeartbeat moves a client's last heartbeat without a reload.
  function refreshHeartbeat(ev) {
    const c = findClient(ev.kind === 'refreshed' ? 'producer' : 'consumer', ev.group, ev.clientId);
    if (c && ev.timeMs) {
      c.lastHeartbeatMs = ev.timeMs;
      c.lastHeartbeat = ev.time || new Date(ev.timeMs).toISOString();
      render();
    } else {
      reload();
    }
  }

  // ------------------------------------------------------------- timeline

  function addTimeline(ev) {
    const ol = $('timeline');
    const li = el('li', { 'data-testid': 'event', 'data-kind': ev.kind, 'data-id': ev.id || '' , class: 'ev-' + ev.kind });
    li.append(el('time', {}, ev.timeMs ? fmtTime(ev.timeMs) : ''), el('span', { class: 'kind' }, ev.kind));
    const parts = [];
    if (ev.kind === 'gap') parts.push('events ' + ev.missedFrom + '–' + ev.missedTo + ' were dropped from the buffer; state reloaded');
    if (ev.group) parts.push(ev.group);
    if (ev.clientId) parts.push(ev.clientId);
    if (ev.addr) parts.push(ev.addr);
    if (ev.codeName || ev.code) parts.push((ev.codeName || '') + (ev.code !== undefined ? ' (' + ev.code + ')' : ''));
    if (ev.action) parts.push(ev.action);
    if (ev.advancedMs) parts.push('+' + fmtAge(ev.advancedMs));
    if (ev.virtual) parts.push('fixture');
    li.append(el('span', { class: 'what' }, parts.join(' · ')));
    if (ev.reason) li.append(el('span', { class: 'reason' }, ev.reason));
    ol.prepend(li);
    while (ol.children.length > TIMELINE_MAX) ol.lastChild.remove();
  }

  // ------------------------------------------------------------- rendering

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const pad = (n, w) => String(n).padStart(w || 2, '0');

  function fmtTime(ms) {
    const d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + '.' + pad(d.getUTCMilliseconds(), 3) + 'Z';
  }

  function fmtAge(ms) {
    if (ms < 0) ms = 0;
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + pad(s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + pad(Math.floor(s / 60) % 60) + ' min';
  }

  // clientState is ok, or expiring past 75% of the expiry.
  function liveState(ageMs) {
    if (ageMs > st.expiryMs) return ['expiring', 'past expiry: the next scan drops it'];
    if (ageMs > 0.75 * st.expiryMs) return ['expiring', 'close to expiry (after ' + Math.round(st.expiryMs / 1000) + ' s without a heartbeat)'];
    return ['ok', ''];
  }

  // rows is every client of a group to show: the listed ones, then ghosts.
  function rows(role, group, clients) {
    const out = [];
    const seen = new Set();
    for (const c of clients) {
      const k = key(role, group, c.clientId);
      seen.add(k);
      out.push({ k, c, ghost: ghosts.get(k) || null }); // a ghost of a listed client: its event came after the load began
    }
    for (const [k, gh] of ghosts) {
      if (gh.role === role && gh.group === group && !seen.has(k)) out.push({ k, c: gh.client, ghost: gh });
    }
    return out;
  }

  function ghostGroups(role, listed) {
    const names = new Set(listed.map((g) => g.group));
    const out = [];
    for (const gh of ghosts.values()) {
      if (gh.role === role && !names.has(gh.group)) {
        names.add(gh.group);
        out.push({ group: gh.group, clients: [], offsets: null, gone: true });
      }
    }
    return out;
  }

  function clientTable(role, group, clients, extraHead, extraCells) {
    const table = el('table', { class: 'clients' });
    table.append(el('thead', {}, el('tr', {},
      ...['client id', 'address', 'language', 'version', 'last heartbeat', 'age', 'state'].concat(extraHead).map((h) => el('th', {}, h)))));
    const tbody = el('tbody');
    for (const r of rows(role, group, clients)) {
      const c = r.c;
      const tr = el('tr', { 'data-testid': 'client', 'data-role': role, 'data-group': group, 'data-client-id': c.clientId, 'data-key': r.k });
      tr.append(
        el('td', { class: 'id', 'data-testid': 'client-id' }, c.clientId),
        el('td', { 'data-testid': 'addr' }, c.addr || ''),
        el('td', { 'data-testid': 'language' }, c.language || ''),
        el('td', { 'data-testid': 'version' }, c.versionName || (c.version !== undefined ? String(c.version) : '')),
        el('td', { 'data-testid': 'last-heartbeat' }, c.lastHeartbeatMs ? fmtTime(c.lastHeartbeatMs) : ''),
        el('td', { 'data-testid': 'age', class: 'age' }),
        el('td', { 'data-testid': 'state', class: 'state' }),
        ...extraCells(c));
      tbody.append(tr);
    }
    if (!tbody.children.length) tbody.append(el('tr', {}, el('td', { colspan: 7 + extraHead.length, class: 'empty' }, 'no clients')));
    table.append(tbody);
    return table;
  }

  // bars draws counts scaled to their maximum, each printed.
  function bars(items, testid, valueAttr) {
    const max = Math.max(1, ...items.map((i) => i.value));
    const box = el('div', { class: 'bars' });
    for (const i of items) {
      const bar = el('span', { class: 'fill' });
      bar.style.width = (100 * i.value / max).toFixed(1) + '%';
      box.append(el('div', Object.assign({ class: 'bar', 'data-testid': testid, [valueAttr]: i.value, title: i.title || '' }, i.attrs),
        el('span', { class: 'label' }, i.label), el('span', { class: 'track' }, bar), el('span', { class: 'value' }, String(i.value))));
    }
    return box;
  }

  const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');

  // skew says how uneven counts are: the largest over the mean.
  function skew(values) {
    const sum = values.reduce((a, b) => a + b, 0);
    if (!sum) return '';
    const mean = sum / values.length;
    return 'max/mean ' + (Math.max(...values) / mean).toFixed(2) + '×';
  }

  function sendCharts(group, listedIds) {
    const byClient = new Map();
    for (const c of st.counts) {
      if (c.group !== group) continue;
      if (!byClient.has(c.clientId)) byClient.set(c.clientId, []);
      byClient.get(c.clientId).push(c);
    }
    const box = el('div', { class: 'charts' });
    for (const [id, counts] of byClient) {
      const topics = [...new Set(counts.map((c) => c.topic))].sort();
      const chart = el('div', { class: 'chart', 'data-testid': 'send-counts', 'data-client-id': id, 'data-group': group });
      const total = counts.reduce((a, c) => a + c.messages, 0);
      chart.append(el('h4', {}, 'sent by ' + id + (listedIds.has(id) ? '' : ' (no longer registered)') + ': ' + plural(total, 'message')));
      for (const t of topics) {
        // Every queue of the topic, those sent nothing included.
        const sent = new Map(counts.filter((c) => c.topic === t).map((c) => [c.queueId, c.messages]));
        const n = Math.max(st.queues[t] || 0, ...[...sent.keys()].map((q) => q + 1));
        const qs = [];
        for (let q = 0; q < n; q++) qs.push({ queueId: q, messages: sent.get(q) || 0 });
        chart.append(el('div', { class: 'topic' }, t + ' ', el('small', {}, skew(qs.map((q) => q.messages)))));
        chart.append(bars(qs.map((q) => ({ label: 'queue ' + q.queueId, value: q.messages, attrs: { 'data-topic': t, 'data-queue': q.queueId } })), 'send-count', 'data-count'));
      }
      box.append(chart);
    }
    if (!byClient.size) box.append(el('p', { class: 'empty' }, 'no messages sent'));
    return box;
  }

  function lagChart(group, offsets) {
    const list = (offsets && offsets.offsets) || [];
    const box = el('div', { class: 'chart', 'data-testid': 'lag-chart', 'data-group': group });
    box.append(el('h4', {}, 'lag per queue: ' + plural((offsets && offsets.lag) || 0, 'message') + ' in all'));
    if (!list.length) {
      box.append(el('p', { class: 'empty' }, 'no offsets committed or subscribed'));
      return box;
    }
    const sorted = list.slice().sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.queueId - b.queueId));
    box.append(bars(sorted.map((o) => ({
      label: o.topic + ' q' + o.queueId, value: o.lag,
      title: 'committed offset ' + (o.offset < 0 ? 'none' : o.offset) + ', min ' + o.minOffset + ', max ' + o.maxOffset,
      attrs: { 'data-topic': o.topic, 'data-queue': o.queueId },
    })), 'lag', 'data-lag'));
    return box;
  }

  function render() {
    const model = JSON.stringify([st.producers, st.consumers, st.counts, st.queues, st.expiryMs, [...ghosts.entries()].map(([k, g]) => [k, g.state, g.reason])]);
    if (model !== lastRender) {
      lastRender = model;
      renderGroups();
    }
    tick();
  }

  function renderGroups() {
    const pbox = $('producer-groups');
    pbox.replaceChildren();
    const countGroups = [...new Set(st.counts.map((c) => c.group))].filter((g) => !st.producers.some((p) => p.group === g));
    const pgroups = st.producers.concat(ghostGroups('producer', st.producers), countGroups.map((g) => ({ group: g, clients: [], gone: true })));
    for (const g of pgroups) {
      const ids = new Set(g.clients.map((c) => c.clientId));
      pbox.append(el('article', { class: 'group', 'data-testid': 'producer-group', 'data-group': g.group },
        el('h3', {}, g.group, ' ', el('small', {}, g.gone ? 'gone' : plural(g.clients.length, 'producer'))),
        clientTable('producer', g.group, g.clients, [], () => []),
        sendCharts(g.group, ids)));
    }
    if (!pgroups.length) pbox.append(el('p', { class: 'empty' }, 'no producer groups'));

    const cbox = $('consumer-groups');
    cbox.replaceChildren();
    const cgroups = st.consumers.concat(ghostGroups('consumer', st.consumers));
    for (const g of cgroups) {
      cbox.append(el('article', { class: 'group', 'data-testid': 'consumer-group', 'data-group': g.group },
        el('h3', {}, g.group, ' ', el('small', {}, g.gone ? 'gone' : plural(g.clients.length, 'consumer'))),
        clientTable('consumer', g.group, g.clients, ['consume', 'model'], (c) => [el('td', {}, c.consumeType || ''), el('td', {}, c.messageModel || '')]),
        g.gone ? null : lagChart(g.group, g.offsets)));
    }
    if (!cgroups.length) cbox.append(el('p', { class: 'empty' }, 'no consumer groups'));
  }

  // tick moves the ages and markers on, every second and after a render.
  function tick() {
    const now = brokerNow();
    let pruned = false;
    const wall = Date.now();
    for (const [k, gh] of ghosts) {
      if (gh.until < wall) { ghosts.delete(k); pruned = true; }
    }
    if (pruned) { render(); return; }
    for (const tr of document.querySelectorAll('tr[data-testid="client"]')) {
      const role = tr.dataset.role, group = tr.dataset.group, id = tr.dataset.clientId;
      const gh = ghosts.get(tr.dataset.key);
      const c = (gh && gh.client) || findClient(role, group, id) || {};
      const age = c.lastHeartbeatMs ? now - c.lastHeartbeatMs : 0;
      const ageCell = tr.querySelector('[data-testid="age"]');
      ageCell.textContent = c.lastHeartbeatMs ? fmtAge(age) : '';
      ageCell.dataset.ageMs = String(Math.max(0, Math.round(age)));
      const [state, why] = gh ? [gh.state, gh.state + ': ' + gh.reason] : liveState(age);
      tr.dataset.state = state;
      const cell = tr.querySelector('[data-testid="state"]');
      cell.textContent = state === 'ok' ? 'ok' : why;
      cell.title = why;
    }
    const clock = $('clock');
    clock.dataset.virtual = String(st.virtual);
    clock.textContent = st.clockAt ? 'broker clock ' + fmtTime(now) + (st.virtual ? ' (virtual: stands still until advanced)' : '') : 'clock: loading';
    if (st.health) {
      $('broker').textContent = 'broker ' + st.health.addr + ' · compat ' + st.health.compat +
        (st.health.version ? ' · ' + st.health.version : '') + ' · expiry ' + Math.round(st.expiryMs / 1000) + ' s';
    }
  }

  // ----------------------------------------------------------------- start

  let started = false;
  let pollTimer = 0;

  let polling = false;
  async function poll() {
    if (authFailed || polling) return;
    polling = true;
    try {
      if ($('stream-status').dataset.state === 'live') await loadCounts();
      else await loadAll();
    } catch (e) {
      showError(e);
    } finally {
      polling = false;
    }
  }

  function start() {
    loadAll().catch(showError);
    if (!started) {
      started = true;
      setInterval(tick, 1000);
    }
    clearInterval(pollTimer);
    pollTimer = setInterval(poll, POLL_MS);
    if (streamAbort) streamAbort.abort();
    stream();
  }

  start();
})();
