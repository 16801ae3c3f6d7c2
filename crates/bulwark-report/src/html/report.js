// The findings table: filter by severity, rule and text, sort by column,
// click a row for the rule's explanation and remediation. Data is read
// from the JSON script element and only ever written with textContent.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('bulwark-data').textContent);
  var PAGE = 500;
  var state = { sev: {}, q: '', rule: '', key: 'sev', dir: 1, limit: PAGE };
  D.severities.forEach(function (s) { state.sev[s] = true; });

  var rows = D.findings.map(function (f, i) {
    var file = f[3] >= 0 ? D.files[f[3]] : '';
    var loc = file ? (f[4] ? file + ':' + f[4] : file) : '';
    var rule = D.rules[f[0]];
    return {
      i: i, rule: rule, sev: f[1], sevName: D.severities[f[1]], object: D.objects[f[2]],
      file: file, line: f[4], loc: loc, path: f[5], message: f[6],
      text: (rule.id + ' ' + rule.title + ' ' + D.objects[f[2]] + ' ' + loc + ' ' + f[5] + ' ' + f[6]).toLowerCase()
    };
  });

  var select = document.getElementById('rule');
  D.rules.map(function (r) { return r.id; }).sort().forEach(function (id) {
    var o = document.createElement('option');
    o.value = id; o.textContent = id;
    select.appendChild(o);
  });

  function cmp(a, b) {
    var k = state.key, x, y;
    if (k === 'sev') { x = a.sev; y = b.sev; }
    else if (k === 'rule') { x = a.rule.id; y = b.rule.id; }
    else if (k === 'loc') { x = a.file; y = b.file; if (x === y) { x = a.line; y = b.line; } }
    else { x = a[k]; y = b[k]; }
    if (x < y) return -state.dir;
    if (x > y) return state.dir;
    return a.i - b.i;
  }

  function matching() {
    var q = state.q.toLowerCase();
    return rows.filter(function (r) {
      return state.sev[r.sevName] && (!state.rule || r.rule.id === state.rule) &&
        (!q || r.text.indexOf(q) >= 0);
    }).sort(cmp);
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function detail(r) {
    var tr = document.createElement('tr');
    tr.className = 'detail';
    var td = document.createElement('td');
    td.colSpan = 6;
    var h = document.createElement('strong');
    h.textContent = r.rule.title + ' (' + r.rule.id + (r.rule.category ? ', ' + r.rule.category : '') + ')';
    td.appendChild(h);
    var p = document.createElement('p');
    p.textContent = r.rule.description;
    td.appendChild(p);
    if (r.rule.remediation) {
      var pre = document.createElement('pre');
      pre.textContent = r.rule.remediation;
      td.appendChild(pre);
    }
    r.rule.references.forEach(function (u) {
      var a = document.createElement('a');
      a.href = u; a.textContent = u; a.rel = 'noreferrer noopener';
      td.appendChild(a);
      td.appendChild(document.createElement('br'));
    });
    tr.appendChild(td);
    return tr;
  }

  var tbody = document.querySelector('#findings-table tbody');
  var more = document.getElementById('more');
  function render() {
    var m = matching();
    tbody.textContent = '';
    m.slice(0, state.limit).forEach(function (r) {
      var tr = document.createElement('tr');
      tr.className = 'finding';
      tr.dataset.rule = r.rule.id;
      tr.dataset.sev = r.sevName;
      cell(tr, r.sevName, 'sev sev-' + r.sevName);
      cell(tr, r.rule.id).title = r.rule.title;
      cell(tr, r.object);
      cell(tr, r.loc);
      cell(tr, r.path);
      cell(tr, r.message);
      tr.addEventListener('click', function () {
        var next = tr.nextSibling;
        if (next && next.className === 'detail') { tbody.removeChild(next); }
        else { tbody.insertBefore(detail(r), tr.nextSibling); }
      });
      tbody.appendChild(tr);
    });
    var shown = Math.min(m.length, state.limit);
    document.getElementById('shown').textContent =
      shown + ' of ' + m.length + ' matching findings shown (' + rows.length + ' in all)';
    more.hidden = m.length <= state.limit;
  }

  Array.prototype.forEach.call(document.querySelectorAll('.sev-toggle'), function (b) {
    b.addEventListener('click', function () {
      var s = b.dataset.sev;
      state.sev[s] = !state.sev[s];
      b.setAttribute('aria-pressed', state.sev[s] ? 'true' : 'false');
      state.limit = PAGE;
      render();
    });
  });
  document.getElementById('q').addEventListener('input', function (e) {
    state.q = e.target.value; state.limit = PAGE; render();
  });
  select.addEventListener('change', function (e) {
    state.rule = e.target.value; state.limit = PAGE; render();
  });
  more.addEventListener('click', function () { state.limit += PAGE; render(); });
  Array.prototype.forEach.call(document.querySelectorAll('#findings-table th'), function (th) {
    th.addEventListener('click', function () {
      var k = th.dataset.key;
      state.dir = state.key === k ? -state.dir : 1;
      state.key = k;
      Array.prototype.forEach.call(document.querySelectorAll('#findings-table th'), function (o) {
        o.removeAttribute('aria-sort');
      });
      // Severity index 0 is the most severe: "ascending" index is descending severity.
      var asc = k === 'sev' ? state.dir < 0 : state.dir > 0;
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      render();
    });
  });
  render();
  document.body.dataset.ready = 'true';
}());
