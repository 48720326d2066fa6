// creatorscout UI: a client of the JSON API under /v1, with hash routes.
//
// Everything the API returns is untrusted (bios, captions, names and links
// come from crawled pages). Every node is built with createElement and
// textContent; attributes go through setAttr, which refuses event handlers
// and style; links go through safeURL, which keeps only http and https.
// There is no innerHTML, no eval and no inline script or style anywhere, so
// the page runs under the server's CSP default-src 'self'.
'use strict';

(function () {
  const SVGNS = 'http://www.w3.org/2000/svg';
  const LIST_PARAMS = ['platform', 'niche', 'tier', 'country', 'city', 'hashtag', 'brand'];
  const RANGE_PARAMS = ['min_followers', 'max_followers', 'min_er', 'max_er'];
  const FACET_PARAM = { platform: 'platform', tier: 'tier', niche: 'niche', country: 'country', city: 'city', brand: 'brand', hashtag: 'hashtag' };
  const FACET_ORDER = ['platform', 'tier', 'niche', 'country', 'city', 'language', 'brand', 'hashtag'];
  const STATUSES = ['new', 'contacted', 'replied', 'agreed', 'declined'];
  const CLASSES = ['sponsored', 'affiliate', 'gifted', 'organic'];
  const SORTS = [
    ['', 'Relevance'], ['-followers', 'Followers, most first'], ['followers', 'Followers, fewest first'],
    ['-engagement_rate', 'Engagement rate, highest first'], ['-growth', 'Growth, fastest first'],
    ['-last_post_at', 'Last post, newest first'], ['-authenticity', 'Authenticity, highest first'],
  ];
  const SAFE_ATTRS = new Set(['class', 'id', 'title', 'type', 'name', 'value', 'placeholder', 'for', 'role',
    'colspan', 'min', 'max', 'step', 'rows', 'maxlength', 'tabindex', 'scope', 'download', 'lang', 'dir',
    'autocomplete', 'required', 'datetime', 'hidden', 'open', 'disabled', 'checked', 'selected', 'rel', 'target',
    'low', 'high', 'optimum', 'inputmode', 'size']);

  // ---------------------------------------------------------------- DOM

  // setAttr sets one attribute after checking its name: data-* and aria-*
  // and a fixed list of harmless ones. Event handlers, style and src are
  // never set from here; href only through safeURL.
  function setAttr(el, name, value) {
    if (value === null || value === undefined || value === false) return;
    const n = String(name).toLowerCase();
    if (!(SAFE_ATTRS.has(n) || /^data-[a-z0-9-]+$/.test(n) || /^aria-[a-z]+$/.test(n))) {
      throw new Error('refusing attribute ' + n);
    }
    el.setAttribute(n, value === true ? '' : String(value));
  }

  // safeURL returns u as an absolute http(s) URL, or null for anything else
  // (javascript:, data:, vbscript:, relative paths, garbage).
  function safeURL(u) {
    if (typeof u !== 'string' || u.trim() === '') return null;
    let p;
    try { p = new URL(u.trim()); } catch (e) { return null; }
    if (p.protocol !== 'http:' && p.protocol !== 'https:') return null;
    if (p.username || p.password) return null;
    return p.href;
  }

  // h builds an element. props: attributes (checked by setAttr), plus
  // text, on (event listeners) and href (internal "#/..." routes only; see
  // extLink for the outside world).
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') el.textContent = v === null || v === undefined ? '' : String(v);
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === 'href') {
        if (typeof v !== 'string' || !v.startsWith('#/')) throw new Error('internal links only: ' + v);
        el.setAttribute('href', v);
      } else if (k === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) el.value = v;
      else setAttr(el, k, v);
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // extLink links an untrusted URL when it is http(s); otherwise it shows
  // the text, inert, marked as not linked.
  function extLink(url, text, cls) {
    const safe = safeURL(url);
    const label = text === undefined || text === null || text === '' ? String(url || '') : String(text);
    if (!safe) {
      return h('span', { class: 'unsafe-link', title: 'not linked: only http and https links are followed', text: label });
    }
    const a = document.createElement('a');
    a.setAttribute('href', safe);
    a.setAttribute('rel', 'noopener noreferrer nofollow ugc');
    a.setAttribute('target', '_blank');
    if (cls) a.setAttribute('class', cls);
    a.textContent = label;
    return a;
  }

  function mailLink(email) {
    if (typeof email !== 'string' || !/^[^\s@<>"'()\\,;:]+@[^\s@<>"'()\\,;:]+\.[^\s@<>"'()\\,;:]+$/.test(email)) {
      return h('span', { text: email || '' });
    }
    const a = document.createElement('a');
    a.setAttribute('href', 'mailto:' + email);
    a.textContent = email;
    return a;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(k) || /^on/i.test(k) || k === 'style' || /href$/i.test(k)) throw new Error('refusing svg attribute ' + k);
      el.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // ---------------------------------------------------------------- format

  const nf = new Intl.NumberFormat('en');
  const cf = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

  function unknown() { return h('span', { class: 'unknown', title: 'unknown', text: '—' }); }
  function num(v) { return v === null || v === undefined ? unknown() : nf.format(v); }
  function compact(v) { return v === null || v === undefined ? unknown() : h('span', { title: nf.format(v), text: cf.format(v) }); }
  function pct(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return unknown();
    return (v * 100).toFixed(digits === undefined ? 2 : digits) + '%';
  }
  function day(t) {
    if (!t) return unknown();
    const d = new Date(t);
    if (isNaN(d)) return unknown();
    return h('time', { datetime: d.toISOString(), title: d.toISOString(), text: d.toISOString().slice(0, 10) });
  }
  function place(loc) {
    if (!loc) return '';
    const parts = [loc.city, loc.region, loc.country].filter(Boolean);
    return parts.length ? parts.join(', ') : (loc.raw || '');
  }
  function plural(n, one, many) { return nf.format(n) + ' ' + (n === 1 ? one : (many || one + 's')); }

  // ---------------------------------------------------------------- API

  class APIError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || ('HTTP ' + status));
      this.status = status;
      this.code = e.code || '';
      this.param = e.param || '';
    }
  }

  function apiKey() { try { return sessionStorage.getItem('creatorscout.key') || ''; } catch (e) { return ''; } }

  // api calls the JSON API and returns the decoded body; a non-2xx answer
  // throws an APIError with the code and parameter the server named.
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const key = apiKey();
    if (key) headers.Authorization = 'Bearer ' + key;
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    let data = null;
    const text = await resp.text();
    if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
    if (!resp.ok) {
      const err = new APIError(resp.status, data);
      if (resp.status === 401) notice('This server needs an API key: enter it at the top right.', 'warn');
      if (resp.status === 429) notice('Too many requests; wait a moment and try again.', 'warn');
      throw err;
    }
    return data;
  }

  // download fetches a file with the API key and hands it to the browser as
  // a download, so export works when keys are required.
  async function download(path, filename) {
    const headers = {};
    const key = apiKey();
    if (key) headers.Authorization = 'Bearer ' + key;
    const resp = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
    if (!resp.ok) {
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      throw new APIError(resp.status, data);
    }
    const blob = await resp.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.setAttribute('href', url);
    a.setAttribute('download', filename);
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    return blob.size;
  }

  // missing is true for an API answer that means "this server has no such
  // route yet" rather than "this thing does not exist".
  function missing(err) { return err instanceof APIError && (err.status === 404 || err.status === 405) && err.code !== 'not_found'; }

  function errText(err) {
    if (err instanceof APIError) return err.message + (err.param ? ' (' + err.param + ')' : '') + ' [' + err.status + ']';
    return String(err && err.message ? err.message : err);
  }

  // arrayIn finds the array in an answer of unknown wrapping: the answer
  // itself, or its first array field among names.
  function arrayIn(data, names) {
    if (Array.isArray(data)) return data;
    if (data && typeof data === 'object') {
      for (const n of names) if (Array.isArray(data[n])) return data[n];
    }
    return [];
  }

  let noticeTimer = 0;
  function notice(text, kind) {
    const n = document.getElementById('notice');
    n.textContent = text;
    n.className = 'notice ' + (kind || 'info');
    n.hidden = !text;
    clearTimeout(noticeTimer);
    if (text && kind !== 'error') noticeTimer = setTimeout(() => { n.hidden = true; }, 8000);
  }

  // ---------------------------------------------------------------- router

  let routeSeq = 0;

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/search';
    const qi = raw.indexOf('?');
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    let segs;
    try { segs = path.split('/').filter(Boolean).map(decodeURIComponent); } catch (e) { segs = null; }
    return { segs, params };
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function searchHash(params) {
    const s = params.toString();
    return '#/search' + (s ? '?' + s : '');
  }

  async function route() {
    const seq = ++routeSeq;
    const { segs, params } = parseHash();
    document.body.dataset.busy = '1';
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', segs && segs[0] === a.dataset.nav);
    let view;
    try {
      if (!segs) throw new Error('this address is not valid');
      switch (segs[0]) {
        case 'search': view = await viewSearch(params); break;
        case 'creator': view = await viewCreator(segs.slice(1).join('/')); break;
        case 'lists': view = segs[1] ? await viewList(segs[1]) : await viewLists(); break;
        case 'searches': view = await viewSearches(); break;
        case 'hashtag': view = await viewReport('hashtag', segs.slice(1).join('/')); break;
        case 'brand': view = await viewReport('brand', segs.slice(1).join('/')); break;
        default: view = { name: 'notfound', node: h('section', {}, h('h1', { text: 'Not found' }), h('p', {}, 'No page here. ', h('a', { href: '#/search', text: 'Search creators' }))) };
      }
    } catch (err) {
      view = { name: 'error', node: h('section', { class: 'error-view' }, h('h1', { text: 'Something went wrong' }), h('p', { class: 'error', text: errText(err) })) };
    }
    if (seq !== routeSeq) return; // a newer navigation won
    const main = document.getElementById('view');
    main.replaceChildren(view.node);
    main.dataset.view = view.name;
    main.dataset.gen = String(seq);
    delete document.body.dataset.busy;
    if (view.title) document.title = view.title + ' · creatorscout';
  }

  // ---------------------------------------------------------------- search

  const pageStacks = new Map(); // query without cursor -> cursors of earlier pages
  let clientSort = null; // {key, dir} for columns the API cannot sort

  function baseKey(params) {
    const p = new URLSearchParams(params);
    p.delete('cursor');
    return p.toString();
  }

  function erParam(v) {
    // The form takes a percentage; the API takes "3%" or a fraction.
    v = String(v).trim();
    if (v === '') return '';
    return v.endsWith('%') ? v : v + '%';
  }
  function erInput(v) {
    if (!v) return '';
    if (v.endsWith('%')) return v.slice(0, -1);
    const f = parseFloat(v);
    return isFinite(f) ? String(+(f * 100).toFixed(4)) : v;
  }

  async function viewSearch(params) {
    const q = new URLSearchParams(params);
    if (!q.has('facet_size')) q.set('facet_size', '8');
    let res, badInput = null;
    try {
      res = await api('GET', '/v1/creators?' + q.toString());
    } catch (err) {
      // Bad input keeps the page, its filters and chips, so it can be fixed.
      if (!(err instanceof APIError && err.status === 400)) throw err;
      badInput = err;
      res = { total: 0, creators: [], facets: {} };
    }
    const hits = arrayIn(res, ['creators']);
    clientSort = null;

    const text = params.get('q') || '';
    const form = h('form', { class: 'searchbar', role: 'search', on: { submit: (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams(params);
      const v = form.elements.q.value.trim();
      if (v) p.set('q', v); else p.delete('q');
      const s = form.elements.sort.value;
      if (s) p.set('sort', s); else p.delete('sort');
      p.delete('cursor');
      go(searchHash(p));
    } } },
    h('input', { type: 'search', name: 'q', value: text, placeholder: 'Search bios, captions and names', 'aria-label': 'Search text', maxlength: 256 }),
    sortSelect(params.get('sort') || ''),
    h('button', { type: 'submit', class: 'primary', text: 'Search' }));
    form.elements.sort.addEventListener('change', () => form.requestSubmit());

    const facets = res.facets || {};
    const aside = h('aside', { class: 'filters', 'aria-label': 'Filters' }, h('h2', { text: 'Filters' }), rangeForm(params));
    for (const field of FACET_ORDER.concat(Object.keys(facets).filter((f) => !FACET_ORDER.includes(f)))) {
      const vals = facets[field];
      if (!Array.isArray(vals) || vals.length === 0) continue;
      aside.append(facetGroup(field, vals, params));
    }

    const results = h('div', { class: 'results' },
      chips(params),
      badInput ? h('p', { class: 'error search-error', role: 'alert', 'data-param': badInput.param },
        badInput.param ? h('strong', { text: badInput.param.replace(/_/g, ' ') + ': ' }) : null, badInput.message) : null,
      h('p', { class: 'summary', 'data-total': res.total }, plural(res.total || 0, 'creator'), ' match', hits.length ? ' · showing ' + hits.length : ''),
      hits.length ? resultsTable(hits, params) : h('p', { class: 'empty', text: 'No creators match. Remove a filter or try other words.' }),
      pager(params, res.next_cursor || ''),
      await bulkAddBar(),
      saveSearchForm(params));

    return { name: 'search', title: text ? 'Search: ' + text : 'Search', node: h('section', { class: 'search' }, form, h('div', { class: 'layout' }, aside, results)) };
  }

  function sortSelect(cur) {
    const sel = h('select', { name: 'sort', 'aria-label': 'Sort by' });
    for (const [v, label] of SORTS) sel.append(h('option', { value: v, text: label, selected: v === cur }));
    if (!SORTS.some(([v]) => v === cur)) sel.append(h('option', { value: cur, text: cur, selected: true }));
    return sel;
  }

  function rangeForm(params) {
    const f = h('form', { class: 'ranges', on: { submit: (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams(params);
      for (const k of RANGE_PARAMS) {
        let v = f.elements[k].value.trim().replace(/[,_\s]/g, '');
        if (k.endsWith('_er')) v = erParam(v);
        if (v) p.set(k, v); else p.delete(k);
      }
      p.delete('cursor');
      go(searchHash(p));
    } } });
    const row = (k, label, ph, conv) => h('label', { class: 'range' }, h('span', { text: label }),
      h('input', { name: k, inputmode: 'decimal', placeholder: ph, value: conv(params.get(k) || ''), size: 8 }));
    append(f, [
      h('fieldset', {}, h('legend', { text: 'Followers' }), row('min_followers', 'min', '10000', String), row('max_followers', 'max', '100000', String)),
      h('fieldset', {}, h('legend', { text: 'Engagement rate %' }), row('min_er', 'min', '2', erInput), row('max_er', 'max', '20', erInput)),
      h('button', { type: 'submit', text: 'Apply' }),
    ]);
    return f;
  }

  function facetGroup(field, vals, params) {
    const param = FACET_PARAM[field];
    const active = param ? params.getAll(param).flatMap((v) => v.split(',')).map((v) => v.toLowerCase()) : [];
    const ul = h('ul', { class: 'facet-values' });
    for (const fv of vals) {
      const value = String(fv.value);
      const on = active.includes(value.toLowerCase());
      const label = [h('span', { class: 'fv', text: value }), h('span', { class: 'count', text: nf.format(fv.count) })];
      if (!param) {
        ul.append(h('li', {}, h('span', { class: 'facet static', title: 'shown for information; not a filter' }, label)));
        continue;
      }
      ul.append(h('li', {}, h('button', {
        type: 'button', class: 'facet' + (on ? ' on' : ''), 'data-param': param, 'data-value': value, 'aria-pressed': on ? 'true' : 'false',
        on: { click: () => {
          const p = new URLSearchParams(params);
          const cur = p.getAll(param).flatMap((v) => v.split(',')).filter(Boolean);
          p.delete(param);
          const next = on ? cur.filter((v) => v.toLowerCase() !== value.toLowerCase()) : cur.concat([value]);
          for (const v of next) p.append(param, v);
          p.delete('cursor');
          go(searchHash(p));
        } },
      }, label)));
    }
    return h('section', { class: 'facet', 'data-facet': field }, h('h3', { text: field }), ul);
  }

  function chips(params) {
    const box = h('div', { class: 'chips', 'aria-label': 'Active filters' });
    const remove = (k, v) => () => {
      const p = new URLSearchParams(params);
      const rest = p.getAll(k).flatMap((x) => x.split(',')).filter((x) => x && x !== v);
      p.delete(k);
      if (LIST_PARAMS.includes(k)) for (const x of rest) p.append(k, x);
      p.delete('cursor');
      go(searchHash(p));
    };
    let n = 0;
    for (const [k, raw] of params) {
      if (k === 'cursor' || k === 'sort' || k === 'limit' || k === 'facets' || k === 'facet_size') continue;
      const vals = LIST_PARAMS.includes(k) ? raw.split(',').filter(Boolean) : [raw];
      for (const v of vals) {
        n++;
        const label = k === 'q' ? 'text' : k.replace('_', ' ');
        box.append(h('span', { class: 'chip', 'data-param': k, 'data-value': v },
          h('span', { class: 'chip-k', text: label + ':' }), ' ', h('span', { class: 'chip-v', text: v }),
          h('button', { type: 'button', class: 'chip-x', title: 'remove ' + label + ' ' + v, 'aria-label': 'remove ' + label + ' ' + v, text: '×', on: { click: remove(k, v) } })));
      }
    }
    if (n > 1) box.append(h('button', { type: 'button', class: 'link clear-all', text: 'Clear all', on: { click: () => {
      const p = new URLSearchParams();
      if (params.get('sort')) p.set('sort', params.get('sort'));
      go(searchHash(p));
    } } }));
    return box;
  }

  const COLUMNS = [
    { key: 'creator', label: 'Creator', val: (c) => (c.display_name || c.handle || '').toLowerCase() },
    { key: 'platform', label: 'Platform', val: (c) => c.platform || '' },
    { key: 'followers', label: 'Followers', server: 'followers', num: true, val: (c) => c.followers },
    { key: 'tier', label: 'Tier', val: (c) => ['nano', 'micro', 'macro', 'mega'].indexOf(c.tier) },
    { key: 'engagement_rate', label: 'ER', server: 'engagement_rate', num: true, val: (c) => c.engagement_rate },
    { key: 'niches', label: 'Niches', val: (c) => (c.niches || []).join(',') },
    { key: 'location', label: 'Location', val: (c) => place(c.location).toLowerCase() },
    { key: 'last_post_at', label: 'Last post', server: 'last_post_at', val: (c) => c.last_post_at || '' },
  ];

  function resultsTable(hits, params) {
    const sort = params.get('sort') || '';
    const thead = h('tr', {}, h('th', { scope: 'col', class: 'pick' }, h('span', { class: 'sr', text: 'Select' })));
    const tbody = h('tbody');
    const table = h('table', { class: 'results-table' }, h('thead', {}, thead), tbody);
    for (const col of COLUMNS) {
      let state = '';
      if (col.server && sort === '-' + col.server) state = 'descending';
      else if (col.server && sort === col.server) state = 'ascending';
      const btn = h('button', { type: 'button', class: 'sort', 'data-sort': col.key,
        title: col.server ? 'sort all results by ' + col.label : 'sort this page by ' + col.label,
        on: { click: () => {
          if (col.server) {
            const p = new URLSearchParams(params);
            p.set('sort', sort === '-' + col.server ? col.server : '-' + col.server);
            p.delete('cursor');
            go(searchHash(p));
            return;
          }
          clientSort = { key: col.key, dir: clientSort && clientSort.key === col.key && clientSort.dir === 1 ? -1 : 1 };
          for (const th of thead.querySelectorAll('th')) th.removeAttribute('aria-sort');
          btn.parentElement.setAttribute('aria-sort', clientSort.dir === 1 ? 'ascending' : 'descending');
          fill(sortRows(hits, col, clientSort.dir));
        } } }, col.label);
      thead.append(h('th', { scope: 'col', 'aria-sort': state || null, 'data-col': col.key }, btn));
    }
    thead.append(h('th', { scope: 'col' }, h('span', { class: 'sr', text: 'Actions' })));
    const fill = (rows) => tbody.replaceChildren(...rows.map(resultRow));
    fill(hits);
    return table;
  }

  function sortRows(hits, col, dir) {
    return hits.slice().sort((a, b) => {
      const x = col.val(a), y = col.val(b);
      const xn = x === null || x === undefined, yn = y === null || y === undefined;
      if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1; // unknown last
      return x < y ? -dir : x > y ? dir : 0;
    });
  }

  function creatorHref(id) { return '#/creator/' + encodeURIComponent(id); }

  function resultRow(c) {
    return h('tr', { class: 'result', 'data-id': c.id },
      h('td', { class: 'pick' }, h('input', { type: 'checkbox', name: 'pick', value: c.id, 'aria-label': 'select ' + (c.display_name || c.handle) })),
      h('td', { class: 'who' },
        h('a', { href: creatorHref(c.id), class: 'creator-link', 'data-id': c.id, text: c.display_name || c.handle }),
        c.verified ? h('span', { class: 'verified', title: 'verified', text: '✓' }) : null,
        h('div', { class: 'handle', text: '@' + (c.handle || '') })),
      h('td', {}, h('span', { class: 'badge platform-' + String(c.platform).replace(/[^a-z]/g, ''), text: c.platform })),
      h('td', { class: 'n' }, compact(c.followers)),
      h('td', {}, c.tier ? h('span', { class: 'badge tier', text: c.tier }) : unknown()),
      h('td', { class: 'n' }, pct(c.engagement_rate)),
      h('td', { class: 'niches' }, (c.niches || []).slice(0, 3).map((n) => h('span', { class: 'tag', text: n }))),
      h('td', {}, place(c.location) || unknown()),
      h('td', {}, day(c.last_post_at)),
      h('td', {}, h('a', { href: creatorHref(c.id), class: 'open', text: 'Open' })));
  }

  function pager(params, next) {
    const key = baseKey(params);
    const stack = pageStacks.get(key) || [];
    const cur = params.get('cursor') || '';
    const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
    if (cur) {
      nav.append(h('button', { type: 'button', class: 'prev', text: '← Previous', on: { click: () => {
        const p = new URLSearchParams(params);
        const prev = stack.pop() || '';
        pageStacks.set(key, stack);
        if (prev) p.set('cursor', prev); else p.delete('cursor');
        go(searchHash(p));
      } } }));
    }
    nav.append(h('span', { class: 'page', text: 'Page ' + (cur ? stack.length + 2 : 1) }));
    if (next) {
      nav.append(h('button', { type: 'button', class: 'next', text: 'Next →', on: { click: () => {
        stack.push(cur);
        pageStacks.set(key, stack);
        const p = new URLSearchParams(params);
        p.set('cursor', next);
        go(searchHash(p));
      } } }));
    }
    return nav;
  }

  // bulkAddBar adds the ticked results to a list.
  async function bulkAddBar() {
    let lists;
    try { lists = arrayIn(await api('GET', '/v1/lists'), ['lists', 'items']); } catch (err) {
      if (missing(err)) return null;
      return h('p', { class: 'error', text: 'Lists: ' + errText(err) });
    }
    const status = h('span', { class: 'status', role: 'status' });
    const sel = listSelect(lists);
    const form = h('form', { class: 'bulk-add', on: { submit: async (ev) => {
      ev.preventDefault();
      const ids = Array.from(document.querySelectorAll('input[name=pick]:checked')).map((i) => i.value);
      if (!ids.length) { status.textContent = 'Tick some creators first.'; return; }
      try {
        const listID = await ensureList(sel, form.elements.newlist.value);
        for (const id of ids) await addToList(listID, id);
        status.textContent = 'Added ' + plural(ids.length, 'creator') + '.';
        form.dataset.added = String(ids.length);
      } catch (err) { status.textContent = errText(err); }
    } } },
    h('label', {}, 'Add ticked to ', sel), h('input', { name: 'newlist', placeholder: 'new list name', 'aria-label': 'new list name', maxlength: 200 }),
    h('button', { type: 'submit', text: 'Add' }), status);
    return form;
  }

  function listSelect(lists) {
    const sel = h('select', { name: 'list', 'aria-label': 'list' });
    for (const l of lists) sel.append(h('option', { value: l.id, text: l.name + ' (' + nf.format(l.size || 0) + ')' }));
    sel.append(h('option', { value: 'new', text: 'New list…', selected: lists.length === 0 }));
    return sel;
  }

  async function ensureList(sel, newName) {
    if (sel.value !== 'new') return sel.value;
    const name = String(newName || '').trim();
    if (!name) throw new Error('give the new list a name');
    const l = await api('POST', '/v1/lists', { name });
    const id = l && (l.id !== undefined ? l.id : l.list && l.list.id);
    if (id === undefined) throw new Error('the server did not return the new list');
    sel.prepend(h('option', { value: id, text: name }));
    sel.value = String(id);
    return String(id);
  }

  function addToList(listID, creatorID) {
    return api('POST', '/v1/lists/' + encodeURIComponent(listID) + '/items', { creator_id: creatorID });
  }

  function saveSearchForm(params) {
    const status = h('span', { class: 'status', role: 'status' });
    const form = h('form', { class: 'save-search', on: { submit: async (ev) => {
      ev.preventDefault();
      const name = form.elements.name.value.trim();
      if (!name) { status.textContent = 'Give the search a name.'; return; }
      try {
        await api('POST', '/v1/searches', { name, query: queryJSON(params) });
        status.textContent = 'Saved. ';
        status.append(h('a', { href: '#/searches', text: 'Saved searches' }));
      } catch (err) {
        status.textContent = missing(err) ? 'Saved searches are not available on this server yet.' : errText(err);
      }
    } } },
    h('label', {}, 'Save this search as ', h('input', { name: 'name', placeholder: 'e.g. UK pilates micro', maxlength: 200 })),
    h('button', { type: 'submit', text: 'Save search' }), status);
    return form;
  }

  // queryJSON turns search parameters into the JSON shape of creator.Query.
  function queryJSON(params) {
    const q = {};
    for (const [k, v] of params) {
      if (LIST_PARAMS.includes(k)) (q[k] = q[k] || []).push(...v.split(',').filter(Boolean));
      else if (k === 'min_followers' || k === 'max_followers') q[k] = parseInt(v, 10);
      else if (k === 'min_er' || k === 'max_er') q[k] = v.endsWith('%') ? parseFloat(v) / 100 : parseFloat(v);
      else if (k === 'niche_all') q[k] = v === 'true';
      else if (k === 'q' || k === 'sort') q[k] = v;
    }
    return q;
  }

  // queryParams is the reverse: a saved creator.Query to search parameters.
  function queryParams(q) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q || {})) {
      if (v === null || v === undefined || v === '' || k === 'limit' || k === 'cursor' || k === 'facets' || k === 'facet_size') continue;
      if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
      else if (k === 'min_er' || k === 'max_er') p.set(k, String(+(v * 100).toFixed(4)) + '%');
      else if (typeof v === 'boolean') { if (v) p.set(k, 'true'); } else p.set(k, String(v));
    }
    return p;
  }

  // ---------------------------------------------------------------- creator

  async function viewCreator(id) {
    const enc = encodeURIComponent(id);
    const [main, hist, sim, lists] = await Promise.allSettled([
      api('GET', '/v1/creators/' + enc),
      api('GET', '/v1/creators/' + enc + '/history'),
      api('GET', '/v1/creators/' + enc + '/similar'),
      api('GET', '/v1/lists'),
    ]);
    if (main.status === 'rejected') {
      const err = main.reason;
      if (err instanceof APIError && err.status === 404) {
        return { name: 'creator-missing', node: h('section', {}, h('h1', { text: 'No such creator' }), h('p', { text: id }), h('p', {}, h('a', { href: '#/search', text: 'Back to search' }))) };
      }
      throw err;
    }
    const c = main.value.creator || main.value;
    const posts = arrayIn(main.value, ['posts']);
    const a = c.analysis || {};
    const node = h('section', { class: 'creator' },
      profile(c),
      addListCard(c, lists),
      h('h2', { text: 'Metrics and their evidence' }),
      metrics(c, a),
      card('Follower history', historyChart(hist)),
      card('Brands by class', brandsByClass(a.disclosures, posts)),
      card('Recent posts', postList(posts, a)),
      card('Lookalikes', lookalikes(sim)));
    return { name: 'creator', title: c.display_name || c.handle || id, node };
  }

  function card(title, ...body) {
    return h('section', { class: 'card', 'data-card': title.toLowerCase().replace(/[^a-z]+/g, '-') }, h('h2', { text: title }), body);
  }

  function profile(c) {
    const links = (c.links || []).map((l) => h('li', {}, extLink(l, l)));
    const loc = c.location;
    return h('section', { class: 'profile card', 'data-id': c.id },
      h('div', { class: 'profile-head' },
        h('h1', { class: 'name', text: c.display_name || c.handle }),
        c.verified ? h('span', { class: 'verified', title: 'verified', text: '✓ verified' }) : null,
        h('span', { class: 'badge platform-' + String(c.platform).replace(/[^a-z]/g, ''), text: c.platform }),
        c.tier ? h('span', { class: 'badge tier', text: c.tier }) : null),
      h('p', { class: 'handle' }, '@' + c.handle, ' · ', extLink(c.url, 'profile ↗', 'profile-link')),
      h('dl', { class: 'counts' },
        h('div', {}, h('dt', { text: 'Followers' }), h('dd', {}, num(c.followers))),
        h('div', {}, h('dt', { text: 'Following' }), h('dd', {}, num(c.following))),
        h('div', {}, h('dt', { text: 'Posts' }), h('dd', {}, num(c.posts_count))),
        h('div', {}, h('dt', { text: 'Engagement' }), h('dd', {}, pct(c.engagement_rate))),
        h('div', {}, h('dt', { text: 'Last post' }), h('dd', {}, day(c.last_post_at)))),
      h('p', { class: 'bio', text: c.bio || '' }),
      h('dl', { class: 'facts' },
        fact('Location', loc ? [place(loc), loc.raw && loc.raw !== place(loc) ? h('span', { class: 'muted', text: ' (“' + loc.raw + '”)' }) : null] : unknown()),
        fact('Language', c.language || unknown()),
        fact('Niches', (c.niches || []).length ? c.niches.map((n) => h('span', { class: 'tag', text: n })) : unknown()),
        fact('Email', c.email ? mailLink(c.email) : unknown()),
        fact('Website', c.website ? extLink(c.website, c.website, 'website') : unknown()),
        fact('Links', links.length ? h('ul', { class: 'links' }, links) : unknown())),
      h('p', { class: 'provenance muted' }, 'Read from ', extLink(c.source_url, c.source_url || 'unknown source'), ' at ', day(c.fetched_at), '.'));
  }

  function fact(k, v) { return h('div', {}, h('dt', { text: k }), h('dd', {}, v)); }

  function addListCard(c, lists) {
    if (lists.status === 'rejected') {
      const err = lists.reason;
      return card('Add to list', h('p', { class: 'muted', text: missing(err) ? 'Lists are not available on this server yet.' : 'Lists: ' + errText(err) }));
    }
    const ls = arrayIn(lists.value, ['lists', 'items']);
    const status = h('span', { class: 'status', role: 'status' });
    const sel = listSelect(ls);
    const form = h('form', { class: 'addlist', 'data-creator': c.id, on: { submit: async (ev) => {
      ev.preventDefault();
      status.textContent = '';
      try {
        const id = await ensureList(sel, form.elements.newlist.value);
        await addToList(id, c.id);
        status.textContent = 'Added to ';
        status.append(h('a', { href: '#/lists/' + encodeURIComponent(id), class: 'added-link', text: sel.options[sel.selectedIndex].text.replace(/ \(\d[\d,]*\)$/, '') }), '.');
        form.dataset.addedTo = String(id);
      } catch (err) {
        status.textContent = err instanceof APIError && err.status === 409 ? 'Already on that list.' : errText(err);
      }
    } } },
    h('label', {}, 'List ', sel),
    h('input', { name: 'newlist', placeholder: 'new list name', 'aria-label': 'new list name', maxlength: 200 }),
    h('button', { type: 'submit', class: 'primary', text: 'Add to list' }), status);
    return card('Add to list', form);
  }

  function metric(title, value, ...evidence) {
    const ev = evidence.flat().filter(Boolean);
    return h('section', { class: 'metric', 'data-metric': title.toLowerCase().replace(/[^a-z]+/g, '-') },
      h('h3', { text: title }), h('div', { class: 'value' }, value),
      ev.length ? h('details', {}, h('summary', { text: 'Evidence' }), ev) : h('p', { class: 'muted small', text: 'No evidence recorded.' }));
  }

  function line(k, v) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return null;
    return h('p', { class: 'ev' }, h('span', { class: 'ev-k', text: k + ': ' }), Array.isArray(v) && v.every((x) => typeof x !== 'object') ? v.join(', ') : v);
  }

  function metrics(c, a) {
    const grid = h('div', { class: 'metrics' });
    const e = a.engagement || {};
    grid.append(metric('Engagement rate', pct(e.rate !== undefined ? e.rate : c.engagement_rate),
      line('Formula', e.formula), line('Window', e.window), line('Followers used', e.followers !== undefined ? num(e.followers) : null),
      line('Posts used', e.post_ids ? e.post_ids.length + ' of ' + (e.window_post_ids || []).length + ' in the window' : null),
      line('Outside the window', e.outside_window || null),
      line('Left out', e.excluded), line('Notes', e.notes),
      e.per_post && e.per_post.length ? h('table', { class: 'mini' }, h('thead', {}, h('tr', {}, h('th', { text: 'post' }), h('th', { text: 'rate' }))),
        h('tbody', {}, e.per_post.map((r) => h('tr', {}, h('td', { text: r.post_id }), h('td', { class: 'n', text: pct(r.rate) }))))) : null));
    grid.append(metric('Average likes', num(e.avg_likes !== undefined ? round(e.avg_likes) : round(c.avg_likes)),
      line('Median likes', e.median_likes !== undefined ? num(round(e.median_likes)) : null), line('Read from posts', e.likes_n),
      line('Average comments', e.avg_comments !== undefined ? num(round(e.avg_comments)) : null), line('Median comments', e.median_comments !== undefined ? num(round(e.median_comments)) : null),
      line('Comments read from posts', e.comments_n)));
    if (c.avg_views !== null && c.avg_views !== undefined || e.views_n) {
      grid.append(metric('Average views', num(round(e.avg_views !== undefined ? e.avg_views : c.avg_views)),
        line('Median views', e.median_views !== undefined ? num(round(e.median_views)) : null), line('Read from posts', e.views_n),
        line('View rate', e.view_rate !== null && e.view_rate !== undefined ? pct(e.view_rate) : null), line('View rate formula', e.view_rate_formula)));
    }
    grid.append(metric('Posts per week', e.posts_per_week !== null && e.posts_per_week !== undefined ? e.posts_per_week.toFixed(1) : unknown(),
      line('Last post', e.last_post_at ? day(e.last_post_at) : null)));
    const t = a.tier;
    grid.append(metric('Tier', c.tier || unknown(), t ? [line('Rule', t.rule), line('Followers', num(t.followers)), line('Bounds', t.bounds ? kvText(t.bounds) : null)] : null));
    grid.append(metric('Niches', (c.niches || []).join(', ') || unknown(),
      (a.niches || []).map((n) => line(n.niche + ' (' + (+n.score).toFixed(2) + ')', (n.evidence || []).join(', ')))));
    const au = a.authenticity;
    grid.append(metric('Authenticity', au && au.score !== null && au.score !== undefined ? Math.round(au.score) + ' / 100' : unknown(),
      au ? [line('Formula', au.formula), h('table', { class: 'mini' },
        h('thead', {}, h('tr', {}, h('th', { text: 'signal' }), h('th', { text: 'value' }), h('th', { text: 'points' }), h('th', { text: 'detail' }))),
        h('tbody', {}, (au.signals || []).map((s) => h('tr', { class: s.known ? '' : 'muted' }, h('td', { text: s.signal }),
          h('td', { class: 'n' }, s.known && s.value !== null ? String(+(+s.value).toFixed(4)) : unknown()),
          h('td', { class: 'n', text: (+s.contribution).toFixed(1) }), h('td', { text: s.detail || '' })))))] : null));
    const g = a.growth;
    const gp = (p) => p ? [p.change >= 0 ? '+' : '', nf.format(p.change), ' (', p.relative !== null && p.relative !== undefined ? pct(p.relative, 1) : '—', ')'] : unknown();
    grid.append(metric('Growth (30 days)', g ? gp(g.d30) : unknown(), g ? [line('7 days', gp(g.d7)), line('30 days', gp(g.d30)), line('90 days', gp(g.d90)),
      line('History points', g.points), line('Note', g.reason)] : null));
    const pr = a.price;
    grid.append(metric('Price per post', pr && pr.min !== null && pr.min !== undefined ? money(pr.min, pr.currency) + (pr.max !== null && pr.max !== undefined ? ' – ' + money(pr.max, pr.currency) : ' and up') : unknown(),
      pr ? line('Basis', pr.basis) : null));
    const lang = a.language;
    grid.append(metric('Language', c.language || unknown(), lang ? [line('Confidence', lang.confidence !== undefined ? (+lang.confidence).toFixed(2) : null),
      line('Script', lang.script), line('Words', lang.words), line('Scores', (lang.scores || []).map((s) => s.code + ' ' + (+s.score).toFixed(2)).join(', ')), line('Texts read', lang.texts)] : null));
    const lo = a.location;
    grid.append(metric('Location', place(c.location) || unknown(), lo ? [line('From', lo.source), line('Text', lo.text), line('Matched', lo.matched),
      line('Confidence', lo.confidence !== null && lo.confidence !== undefined ? (+lo.confidence).toFixed(2) : null), line('Signals', lo.signals), line('Alternatives', lo.alternatives), line('Why', lo.reason)] : null));
    const ct = a.contact;
    if (ct && ((ct.emails || []).length || (ct.links || []).length)) {
      grid.append(metric('Contact', plural((ct.emails || []).length, 'email') + ', ' + plural((ct.links || []).length, 'link'),
        (ct.emails || []).map((s) => line('email from ' + s.source, s.value)), (ct.links || []).map((s) => line('link from ' + s.source, s.value))));
    }
    const d = a.disclosures;
    if (d) {
      grid.append(metric('Disclosures', CLASSES.filter((k) => d.counts && d.counts[k]).map((k) => k + ' ' + d.counts[k]).join(' · ') || 'none',
        line('Undisclosed sponsorship flagged on', d.undisclosed)));
    }
    return grid;
  }

  function round(v) { return v === null || v === undefined ? v : Math.round(v); }
  function money(v, cur) { return (cur === 'USD' || !cur ? '$' : cur + ' ') + nf.format(Math.round(v)); }
  function kvText(o) { return Object.entries(o || {}).map(([k, v]) => k + ' ' + (typeof v === 'object' ? JSON.stringify(v) : v)).join(', '); }

  // historyChart draws followers over time as an inline SVG.
  function historyChart(hist) {
    if (hist.status === 'rejected') return h('p', { class: 'muted', text: 'No history: ' + errText(hist.reason) });
    const pts = arrayIn(hist.value, ['snapshots']).filter((s) => s.followers !== null && s.followers !== undefined && !isNaN(new Date(s.day)))
      .map((s) => ({ t: new Date(s.day).getTime(), v: s.followers, day: s.day }));
    if (pts.length < 2) {
      return h('p', { class: 'empty', text: pts.length ? 'One snapshot so far (' + nf.format(pts[0].v) + ' followers); the chart needs two days of history.' : 'No follower history yet.' });
    }
    pts.sort((a, b) => a.t - b.t);
    const W = 720, H = 220, L = 64, R = 16, T = 14, B = 30;
    let lo = Math.min(...pts.map((p) => p.v)), hi = Math.max(...pts.map((p) => p.v));
    if (lo === hi) { lo = Math.max(0, lo - 1); hi = hi + 1; }
    const pad = (hi - lo) * 0.08;
    lo = Math.max(0, lo - pad); hi += pad;
    const t0 = pts[0].t, t1 = pts[pts.length - 1].t || t0 + 1;
    const x = (t) => L + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': 'followers over time' });
    for (const v of [lo, (lo + hi) / 2, hi]) {
      s.append(svg('line', { x1: L, x2: W - R, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: 'grid' }));
      s.append(svg('text', { x: L - 6, y: (y(v) + 4).toFixed(1), 'text-anchor': 'end', class: 'axis' }, cf.format(Math.round(v))));
    }
    s.append(svg('text', { x: L, y: H - 8, class: 'axis' }, pts[0].day.slice(0, 10)));
    s.append(svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end', class: 'axis' }, pts[pts.length - 1].day.slice(0, 10)));
    s.append(svg('polyline', { points: pts.map((p) => x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1)).join(' '), class: 'series' }));
    for (const p of pts) {
      s.append(svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3, class: 'dot' }, svg('title', {}, p.day.slice(0, 10) + ': ' + nf.format(p.v) + ' followers')));
    }
    const first = pts[0].v, last = pts[pts.length - 1].v;
    return h('figure', { class: 'history', 'data-points': pts.length }, s,
      h('figcaption', { class: 'muted' }, plural(pts.length, 'daily snapshot') + ': ' + nf.format(first) + ' → ' + nf.format(last) + ' followers'));
  }

  function brandsByClass(d, posts) {
    let brands = d && Array.isArray(d.brands) ? d.brands : null;
    if (!brands) { // fall back to the posts when the analysis has no summary
      const best = new Map();
      for (const p of posts) for (const b of p.brands || []) {
        const cur = best.get(b.name);
        if (!cur || CLASSES.indexOf(b.class) < CLASSES.indexOf(cur)) best.set(b.name, b.class);
      }
      brands = Array.from(best, ([name, cls]) => ({ name, class: cls }));
    }
    if (!brands.length) return h('p', { class: 'empty', text: 'No brands named in the recent posts.' });
    const box = h('div', { class: 'brand-classes' });
    for (const cls of CLASSES.concat(['other'])) {
      const these = brands.filter((b) => (CLASSES.includes(b.class) ? b.class : 'other') === cls);
      if (!these.length) continue;
      box.append(h('div', { class: 'brand-class', 'data-class': cls }, h('h3', {}, badge(cls), ' ', nf.format(these.length)),
        h('ul', {}, these.map((b) => h('li', {}, h('a', { href: '#/brand/' + encodeURIComponent(b.name), class: 'brand-link', text: b.name }))))));
    }
    return box;
  }

  function badge(cls) {
    const k = CLASSES.includes(cls) ? cls : 'unknown';
    return h('span', { class: 'badge disclosure d-' + k, text: cls || 'unknown' });
  }

  function postList(posts, a) {
    if (!posts.length) return h('p', { class: 'empty', text: 'No posts stored.' });
    const used = new Set(((a.engagement || {}).post_ids) || []);
    return h('ol', { class: 'posts' }, posts.map((p) => {
      const d = p.disclosure || {};
      return h('li', { class: 'post', 'data-post': p.id, 'data-class': d.class || '' },
        h('div', { class: 'post-head' }, day(p.published_at), ' ',
          h('span', { title: (d.signals || []).length ? 'signals: ' + d.signals.join(', ') : 'no disclosure signals' }, badge(d.class)),
          p.platform_paid ? h('span', { class: 'badge paid', title: 'the platform marks this as a paid partnership', text: 'paid partnership' }) : null,
          used.has(p.id) ? h('span', { class: 'badge used', title: 'used in the engagement rate', text: 'in ER' }) : null,
          ' ', extLink(p.url, 'open ↗', 'post-link')),
        p.undisclosed ? h('p', { class: 'flag', title: (p.undisclosed.evidence || []).join('; ') }, '⚠ ', p.undisclosed.reason || 'possible undisclosed sponsorship') : null,
        h('p', { class: 'caption', text: p.caption || '' }),
        (d.signals || []).length ? h('p', { class: 'signals muted small', text: 'Disclosure signals: ' + d.signals.join(', ') }) : null,
        h('p', { class: 'post-stats' },
          h('span', {}, num(p.likes), ' likes'), h('span', {}, num(p.comments), ' comments'),
          p.views !== null && p.views !== undefined ? h('span', {}, num(p.views), ' views') : null,
          p.shares !== null && p.shares !== undefined ? h('span', {}, num(p.shares), ' shares') : null),
        (p.hashtags || []).length ? h('p', { class: 'tags' }, p.hashtags.map((t) => h('a', { href: '#/hashtag/' + encodeURIComponent(t), class: 'tag', text: '#' + t }))) : null,
        (p.brands || []).length ? h('p', { class: 'post-brands' }, p.brands.map((b) => h('a', { href: '#/brand/' + encodeURIComponent(b.name), class: 'brand-chip d-' + (CLASSES.includes(b.class) ? b.class : 'unknown'), title: b.class, text: b.name }))) : null);
    }));
  }

  function lookalikes(sim) {
    if (sim.status === 'rejected') {
      const err = sim.reason;
      return h('p', { class: 'empty', text: err instanceof APIError && err.status === 404 ? 'Lookalikes are not available for this creator yet.' : 'Lookalikes: ' + errText(err) });
    }
    const items = arrayIn(sim.value, ['creators', 'similar', 'lookalikes', 'hits', 'items']);
    if (!items.length) return h('p', { class: 'empty', text: 'No lookalikes found.' });
    return h('ul', { class: 'lookalikes' }, items.map((it) => {
      const c = it.creator || it;
      const why = it.reasons || it.why || it.shared || null;
      return h('li', { class: 'lookalike', 'data-id': c.id },
        h('a', { href: creatorHref(c.id), text: c.display_name || c.handle || c.id }), ' ',
        h('span', { class: 'muted' }, c.platform || '', ' · ', compact(c.followers), ' · ER ', pct(c.engagement_rate)),
        typeof it.score === 'number' ? h('span', { class: 'score', text: ' · similarity ' + it.score.toFixed(2) }) : null,
        Array.isArray(why) ? h('div', { class: 'small muted', text: why.map((w) => typeof w === 'string' ? w : JSON.stringify(w)).join(', ') }) : null);
    }));
  }

  // ---------------------------------------------------------------- lists

  async function viewLists() {
    let lists;
    try { lists = arrayIn(await api('GET', '/v1/lists'), ['lists', 'items']); } catch (err) {
      if (!missing(err)) throw err;
      return { name: 'lists', title: 'Lists', node: h('section', {}, h('h1', { text: 'Prospect lists' }), h('p', { class: 'empty', text: 'Lists are not available on this server yet.' })) };
    }
    const status = h('span', { class: 'status', role: 'status' });
    const form = h('form', { class: 'new-list', on: { submit: async (ev) => {
      ev.preventDefault();
      try {
        const l = await api('POST', '/v1/lists', { name: form.elements.name.value.trim() });
        go('#/lists/' + encodeURIComponent(l.id));
      } catch (err) { status.textContent = errText(err); }
    } } }, h('input', { name: 'name', placeholder: 'new list name', 'aria-label': 'new list name', required: true, maxlength: 200 }),
    h('button', { type: 'submit', class: 'primary', text: 'Create list' }), status);
    const body = lists.length ? h('table', { class: 'lists-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'List' }), h('th', { text: 'Creators' }), h('th', { text: 'Updated' }))),
      h('tbody', {}, lists.map((l) => h('tr', { class: 'list', 'data-list': l.id },
        h('td', {}, h('a', { href: '#/lists/' + encodeURIComponent(l.id), text: l.name })), h('td', { class: 'n' }, num(l.size)), h('td', {}, day(l.updated_at || l.created_at))))))
      : h('p', { class: 'empty', text: 'No lists yet. Create one, or add a creator from their page.' });
    return { name: 'lists', title: 'Lists', node: h('section', { class: 'lists' }, h('h1', { text: 'Prospect lists' }), form, body) };
  }

  async function viewList(id) {
    const enc = encodeURIComponent(id);
    // GET /v1/lists/{id}/items answers {list, items: [{creator_id, status, note, creator}]}.
    const data = await api('GET', '/v1/lists/' + enc + '/items');
    const list = data.list || data;
    const items = arrayIn(data, ['items', 'creators']);
    const status = h('span', { class: 'status', role: 'status' });
    const exportBtn = (fmt) => h('button', { type: 'button', class: 'export', 'data-format': fmt, text: 'Export ' + fmt.toUpperCase(), on: { click: async (ev) => {
      const btn = ev.currentTarget;
      try {
        const size = await download('/v1/lists/' + enc + '/export.' + fmt, 'list-' + String(id).replace(/[^0-9a-z_-]/gi, '') + '.' + fmt);
        status.textContent = 'Exported ' + nf.format(size) + ' bytes.';
        btn.dataset.done = '1';
      } catch (err) { status.textContent = 'Export failed: ' + errText(err); }
    } } });
    const rename = h('form', { class: 'rename', on: { submit: async (ev) => {
      ev.preventDefault();
      try {
        await api('PATCH', '/v1/lists/' + enc, { name: rename.elements.name.value.trim() });
        status.textContent = 'Renamed.';
      } catch (err) { status.textContent = errText(err); }
    } } }, h('input', { name: 'name', value: list.name || '', 'aria-label': 'list name', maxlength: 200 }), h('button', { type: 'submit', text: 'Rename' }));
    const del = h('button', { type: 'button', class: 'danger', text: 'Delete list…', on: { click: async () => {
      if (del.dataset.armed !== '1') { del.dataset.armed = '1'; del.textContent = 'Click again to delete'; return; }
      try { await api('DELETE', '/v1/lists/' + enc); go('#/lists'); } catch (err) { status.textContent = errText(err); }
    } } });
    const rows = items.map((it) => itemRow(enc, it));
    return {
      name: 'list', title: list.name || 'List',
      node: h('section', { class: 'list-view', 'data-list': list.id !== undefined ? list.id : id },
        h('p', {}, h('a', { href: '#/lists', text: '← All lists' })),
        h('h1', { text: list.name || 'List ' + id }),
        h('div', { class: 'toolbar' }, rename, exportBtn('csv'), exportBtn('json'), del, status),
        items.length ? h('table', { class: 'items-table' },
          h('thead', {}, h('tr', {}, ['Creator', 'Followers', 'Tier', 'ER', 'Niches', 'Status', 'Note', ''].map((k) => h('th', { text: k })))),
          h('tbody', {}, rows)) : h('p', { class: 'empty' }, 'This list is empty. Add creators from ', h('a', { href: '#/search', text: 'search' }), '.')),
    };
  }

  function itemRow(listEnc, it) {
    const c = it.creator || {};
    const cid = it.creator_id || c.id;
    const path = '/v1/lists/' + listEnc + '/items/' + encodeURIComponent(cid);
    const saved = h('span', { class: 'saved muted small', role: 'status' });
    const tr = h('tr', { class: 'item', 'data-creator': cid, 'data-status': it.status || 'new' });
    const patch = async (body) => {
      saved.textContent = 'saving…';
      try {
        const res = await api('PATCH', path, body);
        const item = (res && (res.item || res)) || {};
        if (body.status) tr.dataset.status = item.status || body.status;
        if (body.note !== undefined) tr.dataset.note = 'saved';
        saved.textContent = 'saved';
      } catch (err) { saved.textContent = errText(err); }
    };
    const sel = h('select', { name: 'status', 'aria-label': 'status of ' + cid, on: { change: () => patch({ status: sel.value }) } },
      STATUSES.map((s) => h('option', { value: s, text: s, selected: s === (it.status || 'new') })));
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 4000, 'aria-label': 'note on ' + cid, value: it.note || '' });
    const saveNote = h('button', { type: 'button', class: 'save-note', text: 'Save note', on: { click: () => patch({ note: note.value }) } });
    const remove = h('button', { type: 'button', class: 'link remove', text: 'Remove', on: { click: async () => {
      try { await api('DELETE', path); tr.remove(); } catch (err) { saved.textContent = errText(err); }
    } } });
    append(tr, [
      h('td', {}, h('a', { href: creatorHref(cid), text: c.display_name || c.handle || cid }), c.display_name ? h('div', { class: 'handle', text: cid }) : null),
      h('td', { class: 'n' }, compact(c.followers)),
      h('td', {}, c.tier ? h('span', { class: 'badge tier', text: c.tier }) : unknown()),
      h('td', { class: 'n' }, pct(c.engagement_rate)),
      h('td', { class: 'niches' }, (c.niches || []).slice(0, 3).map((n) => h('span', { class: 'tag', text: n }))),
      h('td', {}, sel), h('td', { class: 'note' }, note, saveNote), h('td', {}, remove, ' ', saved)]);
    return tr;
  }

  // ---------------------------------------------------------------- saved searches

  async function viewSearches() {
    let list;
    try { list = arrayIn(await api('GET', '/v1/searches'), ['searches', 'items']); } catch (err) {
      if (!missing(err)) throw err;
      return { name: 'searches', title: 'Saved searches', node: h('section', {}, h('h1', { text: 'Saved searches' }), h('p', { class: 'empty', text: 'Saved searches are not available on this server yet.' })) };
    }
    const body = list.length ? h('ul', { class: 'saved-searches' }, list.map(savedSearchItem))
      : h('p', { class: 'empty' }, 'No saved searches. Run a ', h('a', { href: '#/search', text: 'search' }), ' and save it from the results.');
    return { name: 'searches', title: 'Saved searches', node: h('section', { class: 'searches' }, h('h1', { text: 'Saved searches' }), body) };
  }

  function savedSearchItem(s) {
    const p = queryParams(s.query);
    const out = h('div', { class: 'new-results' });
    const enc = encodeURIComponent(s.id);
    const li = h('li', { class: 'saved-search', 'data-search': s.id },
      h('h3', {}, h('a', { href: searchHash(p), text: s.name })),
      h('p', { class: 'muted small', text: Array.from(p).map(([k, v]) => k + '=' + v).join(' · ') || 'all creators' }),
      h('p', { class: 'small' }, 'Last run: ', s.last_run_at ? day(s.last_run_at) : 'never'),
      h('div', { class: 'toolbar' },
        h('a', { href: searchHash(p), class: 'button', text: 'Open' }),
        h('button', { type: 'button', text: 'New since last run', on: { click: async () => {
          out.textContent = 'Checking…';
          try {
            const res = await api('GET', '/v1/searches/' + enc + '/new');
            const cs = arrayIn(res, ['creators', 'new', 'items']);
            out.replaceChildren(cs.length ? h('ul', {}, cs.map((c) => { c = c.creator || c; return h('li', {}, h('a', { href: creatorHref(c.id || c.creator_id), text: c.display_name || c.handle || c.id || c.creator_id })); }))
              : h('p', { class: 'muted', text: 'Nothing new since the last run.' }));
          } catch (err) { out.textContent = errText(err); }
        } } }),
        h('button', { type: 'button', class: 'link danger', text: 'Delete', on: { click: async () => {
          try { await api('DELETE', '/v1/searches/' + enc); li.remove(); } catch (err) { out.textContent = errText(err); }
        } } })),
      out);
    return li;
  }

  // ---------------------------------------------------------------- reports

  async function viewReport(kind, value) {
    const name = kind === 'hashtag' ? '#' + value : value;
    const enc = encodeURIComponent(value);
    const p = new URLSearchParams();
    p.set(kind, value);
    const [rep, res] = await Promise.allSettled([
      api('GET', '/v1/' + (kind === 'hashtag' ? 'hashtags' : 'brands') + '/' + enc),
      api('GET', '/v1/creators?' + kind + '=' + enc + '&sort=-followers&limit=10&facet_size=8'),
    ]);
    const node = h('section', { class: 'report', 'data-kind': kind, 'data-value': value },
      h('h1', {}, kind === 'hashtag' ? 'Hashtag ' : 'Brand ', h('span', { class: 'report-name', text: name })));
    if (rep.status === 'fulfilled') node.append(card('Report', reportBody(rep.value)));
    else node.append(card('Report', h('p', { class: 'empty', text: missing(rep.reason) || (rep.reason instanceof APIError && rep.reason.status === 404)
      ? 'No ' + kind + ' report on this server yet; below is what search finds.' : 'Report: ' + errText(rep.reason) })));
    if (res.status === 'rejected') {
      node.append(h('p', { class: 'error', text: errText(res.reason) }));
    } else {
      const r = res.value;
      const hits = arrayIn(r, ['creators']);
      node.append(h('p', { class: 'summary' }, plural(r.total || 0, 'creator'), kind === 'hashtag' ? ' used it · ' : ' named it · ', h('a', { href: searchHash(p), text: 'open in search' })));
      const grid = h('div', { class: 'breakdowns' });
      for (const f of ['niche', 'country', 'tier', 'platform', kind === 'hashtag' ? 'brand' : 'hashtag']) {
        const vals = (r.facets || {})[f];
        if (!Array.isArray(vals) || !vals.length) continue;
        const max = Math.max(...vals.map((v) => v.count));
        grid.append(h('section', { class: 'breakdown' }, h('h3', { text: f }), h('table', { class: 'bars' }, h('tbody', {}, vals.map((v) => h('tr', {},
          h('td', {}, f === 'brand' ? h('a', { href: '#/brand/' + encodeURIComponent(v.value), text: v.value }) : f === 'hashtag' ? h('a', { href: '#/hashtag/' + encodeURIComponent(v.value), text: '#' + v.value }) : v.value),
          h('td', {}, h('meter', { min: 0, max: max || 1, value: v.count })), h('td', { class: 'n', text: nf.format(v.count) })))))));
      }
      node.append(grid);
      if (hits.length) node.append(card('Largest creators', h('table', { class: 'results-table' }, h('tbody', {}, hits.map(resultRow)))));
    }
    return { name: 'report', title: name, node };
  }

  // reportBody renders a report of unknown shape as nested definition lists.
  function reportBody(v, depth) {
    depth = depth || 0;
    if (v === null || v === undefined) return unknown();
    if (Array.isArray(v)) {
      if (!v.length) return h('span', { class: 'muted', text: 'none' });
      return h('ul', { class: 'kv-list' }, v.slice(0, 50).map((x) => h('li', {}, reportBody(x, depth + 1))));
    }
    if (typeof v === 'object') {
      if (depth > 4) return h('code', { text: JSON.stringify(v) });
      if (typeof v.id === 'string' && v.id.includes(':') && (v.handle || v.display_name)) {
        return h('a', { href: creatorHref(v.id), text: v.display_name || v.handle });
      }
      return h('dl', { class: 'kv' }, Object.entries(v).map(([k, x]) => h('div', {}, h('dt', { text: k.replace(/_/g, ' ') }), h('dd', {}, reportBody(x, depth + 1)))));
    }
    if (typeof v === 'number') return nf.format(v);
    return String(v);
  }

  // ---------------------------------------------------------------- start

  function start() {
    const kf = document.getElementById('keyform');
    const ki = document.getElementById('apikey');
    ki.value = apiKey();
    kf.addEventListener('submit', (ev) => {
      ev.preventDefault();
      try { sessionStorage.setItem('creatorscout.key', ki.value.trim()); } catch (e) { /* storage off */ }
      notice(ki.value.trim() ? 'API key set for this tab.' : 'API key cleared.', 'info');
      route();
    });
    window.addEventListener('hashchange', route);
    route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
