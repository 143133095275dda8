/* landbot web: drives the page through the JSON API. Every text from the server or the user
   goes into the page as text (textContent), never as HTML. No external resources. */
(function () {
  "use strict";
  var BASE = document.body.getAttribute("data-base") || "";
  var current = null; // { id, kind } of the draft being filled
  var reviewing = null;
  var lastSaid = "";

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "cls") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) {
      if (arguments[i]) node.appendChild(arguments[i]);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  var toastTimer = null;
  function toast(text) {
    var t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 4000);
  }

  function request(method, path, body, type) {
    var headers = { "X-CSRF-Token": cookie("csrf") };
    var payload;
    if (body !== undefined) {
      headers["Content-Type"] = type || "application/json";
      payload = type ? body : JSON.stringify(body);
    }
    return fetch(BASE + path, { method: method, headers: headers, body: payload, credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 204) return {};
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) {
            if (res.status === 401 && path !== "/api/login") { location.href = BASE + "/"; }
            var err = new Error(data.error || "请求失败（" + res.status + "）");
            err.status = res.status;
            throw err;
          }
          return data;
        });
      });
  }

  function fail(err) { toast(err.message || "网络错误，请稍后重试"); }

  /* ---- sign in ------------------------------------------------------------------------ */

  function signIn(body) {
    var msg = $("login-error");
    msg.hidden = true;
    request("POST", "/api/login", body).then(function () {
      location.href = BASE + "/";
    }).catch(function (err) {
      msg.textContent = err.message;
      msg.hidden = false;
    });
  }

  var codeForm = $("code-login");
  if (codeForm) {
    codeForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      signIn({ code: $("code").value, name: $("name").value || null, department: $("department").value || null });
    });
  }
  var linkLogin = $("link-login");
  if (linkLogin) {
    $("link-button").addEventListener("click", function () {
      signIn({ login_token: linkLogin.getAttribute("data-token") });
    });
  }
  if (!$("view-drafts")) return; // the sign-in page ends here

  /* ---- tabs --------------------------------------------------------------------------- */

  function show(view) {
    var tabs = document.querySelectorAll(".tabs button");
    for (var i = 0; i < tabs.length; i++) {
      tabs[i].classList.toggle("active", tabs[i].getAttribute("data-view") === view);
    }
    var views = document.querySelectorAll(".view");
    for (var j = 0; j < views.length; j++) views[j].hidden = views[j].id !== "view-" + view;
    if (view === "drafts") loadDrafts();
    if (view === "reviews") loadReviews();
    if (view === "ledger") loadLedger();
    window.scrollTo(0, 0);
  }
  document.querySelector(".tabs").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-view]");
    if (b) show(b.getAttribute("data-view"));
  });

  $("logout").addEventListener("click", function () {
    request("POST", "/api/logout").then(function () { location.href = BASE + "/"; }).catch(fail);
  });

  /* ---- my drafts ---------------------------------------------------------------------- */

  function draftItem(d) {
    var title = "【" + d.draft_id + "】" + d.kind_label + "《" + (d.title || "未命名") + "》";
    var meta = d.status_label + " · 已填 " + d.progress.answered + "/" + d.progress.total + " 项";
    return el("li", { cls: "with-copy" }, el("button", { type: "button", cls: "item", "data-open": String(d.draft_id) },
      el("span", { cls: "title", text: title }), el("span", { cls: "meta", text: meta })),
      el("button", { type: "button", cls: "copy", "data-copy": String(d.draft_id), text: "复制",
                     title: "复制草稿：相邻地块只改几项" }));
  }

  function copyDraft(id) {
    request("POST", "/api/drafts/" + id + "/copy").then(started).then(loadDrafts).catch(fail);
  }

  function loadDrafts() {
    request("GET", "/api/drafts").then(function (data) {
      var list = clear($("draft-list"));
      if (!data.drafts.length) list.appendChild(el("li", { cls: "empty", text: "还没有草稿。点上面的按钮新建一份。" }));
      data.drafts.forEach(function (d) { list.appendChild(draftItem(d)); });
    }).catch(fail);
  }

  $("draft-list").addEventListener("click", function (ev) {
    var c = ev.target.closest("button[data-copy]");
    if (c) return copyDraft(c.getAttribute("data-copy"));
    var b = ev.target.closest("button[data-open]");
    if (b) openDraft(b.getAttribute("data-open"));
  });

  /* A new draft carries a request id like an answer (see say): a reply lost on the way is
     sent again with the same id, and the server makes one draft, not two. */
  document.querySelectorAll("button[data-new]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.disabled) return;
      b.disabled = true;
      sendOnce("/api/drafts", { kind: b.getAttribute("data-new"), request_id: answerId() }, 0)
        .then(started).catch(fail).then(function () { b.disabled = false; });
    });
  });

  $("import-file").addEventListener("change", function (ev) {
    var file = ev.target.files[0];
    if (!file) return;
    var type = /\.json$/i.test(file.name) ? "application/json" : "application/yaml";
    file.text().then(function (text) {
      return request("POST", "/api/drafts/import", text, type);
    }).then(started).catch(fail).then(function () { ev.target.value = ""; });
  });

  function started(data) {
    return request("GET", "/api/drafts/" + data.draft_id).then(function (d) {
      current = { id: d.draft_id, kind: d.kind, status: d.status };
      showTurn(data.turn);
      show("fill");
    });
  }

  function openDraft(id) {
    request("GET", "/api/drafts/" + id).then(function (d) {
      current = { id: d.draft_id, kind: d.kind, status: d.status };
      showTurn(d.turn, d.status !== "draft" && d.status !== "returned" ? d.card : null);
      show("fill");
    }).catch(fail);
  }

  /* ---- the dialogue ------------------------------------------------------------------- */

  function findingCard(f, editing) {
    var labels = { error: "错误", warning: "提示", info: "说明" };
    var src = f.source || {};
    var where = "依据：" + (src.title ? "《" + src.title + "》" : f.cite.doc_id) +
      (src.number ? "（" + src.number + "）" : "") + " " + f.cite.article;
    var box = el("div", { cls: "finding " + f.severity },
      el("div", {}, el("span", { cls: "sev", text: (labels[f.severity] || f.severity) + "：" }),
        document.createTextNode(f.message)),
      el("div", { cls: "src", text: where }));
    if (src.text) {
      box.appendChild(el("details", {}, el("summary", { text: "查看条文原文" }),
        el("blockquote", { text: src.text })));
    }
    if (f.edit && editing) box.appendChild(el("button", { type: "button", cls: "edit", "data-say": f.edit, text: f.edit }));
    return box;
  }

  function downloads(box, id, kind) {
    clear(box);
    var names = {};
    names[kind] = kind === "supply_plan" ? "供地方案" : "储备方案";
    names.approval_memo = "审批呈报单";
    [kind, "approval_memo"].forEach(function (doc) {
      ["docx", "pdf"].forEach(function (suffix) {
        box.appendChild(el("a", {
          cls: "button", href: BASE + "/api/drafts/" + id + "/documents/" + doc + "." + suffix,
          download: "", text: "下载" + names[doc] + (suffix === "pdf" ? "（PDF）" : "（Word）")
        }));
      });
    });
  }

  function showTurn(turn, card) {
    $("fill-empty").hidden = true;
    $("fill").hidden = false;
    var p = turn.progress || { n: 0, total: 0 };
    $("progress-text").textContent = turn.done ? "已全部填写（共 " + p.total + " 项）" : "第 " + p.n + "/" + p.total + " 项";
    $("progress-bar").style.width = (p.total ? Math.round(100 * (turn.done ? p.total : p.n - 1) / p.total) : 0) + "%";
    var messages = clear($("messages"));
    if (card) messages.appendChild(el("div", { cls: "msg review", text: card }));
    (turn.notices || []).forEach(function (m) {
      if (m.kind === "finding") return; // the findings are shown below, with their articles
      if (m.kind === "review") {
        // the review card: folded unless it was asked for (查看)
        var lines = m.text.split("\n");
        var box = el("details", { cls: "msg review" }, el("summary", { text: lines[0] }),
          el("div", { cls: "pre", text: lines.slice(1).join("\n") }));
        if (lastSaid === "查看") box.open = true;
        messages.appendChild(box);
      } else {
        messages.appendChild(el("div", { cls: "msg " + m.kind, text: m.text }));
      }
    });
    var prompt = $("prompt");
    prompt.textContent = turn.prompt || "";
    prompt.setAttribute("data-field", turn.field || "");
    prompt.hidden = !turn.prompt;
    var choices = clear($("choices"));
    (turn.choices || []).forEach(function (c) {
      choices.appendChild(el("button", { type: "button", "data-say": c, text: c }));
    });
    var commands = clear($("commands"));
    (turn.commands || []).forEach(function (c) {
      commands.appendChild(el("button", { type: "button", "data-say": c, text: c }));
    });
    var editable = !current || current.status === "draft" || current.status === "returned";
    $("answer-form").hidden = !editable;
    var findings = clear($("findings"));
    if ((turn.findings || []).length) findings.appendChild(el("h2", { text: "政策核查" }));
    (turn.findings || []).forEach(function (f) { findings.appendChild(findingCard(f, editable)); });
    var done = $("done");
    done.hidden = !(turn.done || !editable);
    if (!done.hidden && current) downloads($("downloads"), current.id, current.kind);
    $("submit-draft").hidden = !editable;
    clear($("check-result"));
    // the keyboard comes up for typed answers only, not over the buttons of a choice
    if (turn.prompt && editable && !(turn.choices || []).length) $("answer").focus({ preventScroll: true });
  }

  /* An answer carries an id of its own: when the reply does not arrive (the phone's network
     dropped, a server restarted) the page sends the same answer with the same id again, and the
     server applies it once. An answer not confirmed after the retries stays in the box with its
     id, so pressing 发送 again is still the same answer. */
  var unconfirmed = null;  // {draft, text, id}
  var RETRY_MS = [1000, 2000, 4000];

  function answerId() {
    var a = new Uint32Array(2);
    crypto.getRandomValues(a);
    return (a[0] & 0x1fffff) * 4294967296 + a[1] + 1;  // 1 … 2^53 - 1
  }

  function transient(err) { return !err.status || err.status === 502 || err.status === 503 || err.status === 504; }

  function sendOnce(path, body, attempt) {
    return request("POST", path, body).catch(function (err) {
      if (!transient(err) || attempt >= RETRY_MS.length) throw err;
      return new Promise(function (ok) { setTimeout(ok, RETRY_MS[attempt]); })
        .then(function () { return sendOnce(path, body, attempt + 1); });
    });
  }

  function say(text) {
    if (!current || !text) return;
    var form = $("answer-form");
    lastSaid = text;
    if (!unconfirmed || unconfirmed.draft !== current.id || unconfirmed.text !== text) {
      unconfirmed = { draft: current.id, text: text, id: answerId() };
    }
    var sent = unconfirmed;
    form.classList.add("busy");
    return sendOnce("/api/drafts/" + current.id + "/answer", { text: text, answer_id: sent.id }, 0).then(function (data) {
      if (unconfirmed === sent) unconfirmed = null;
      $("answer").value = "";
      showTurn(data.turn);
    }).catch(function (err) {
      if (unconfirmed === sent && !transient(err)) unconfirmed = null;  // refused: a new try is a new answer
      fail(transient(err) ? { message: "网络不稳定，这条回答还没有确认保存；已留在输入框，请稍后再点发送" } : err);
    }).then(function () { form.classList.remove("busy"); });
  }

  $("answer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    say($("answer").value.trim());
  });
  // Enter sends; Shift+Enter (or a pasted block of 字段: 值 lines) keeps the line breaks
  $("answer").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("answer-form").requestSubmit();
    }
  });
  $("view-fill").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-say]");
    if (b) say(b.getAttribute("data-say"));
  });

  $("submit-draft").addEventListener("click", function () {
    request("POST", "/api/drafts/" + current.id + "/submit").then(function (data) {
      current.status = data.status;
      toast(data.reviewers ? "已提交审核，审核人会收到通知。" : "已提交审核。");
      openDraft(current.id);
    }).catch(fail);
  });

  $("check-draft").addEventListener("click", function () {
    request("GET", "/api/drafts/" + current.id + "/check").then(function (data) {
      var box = clear($("check-result"));
      box.appendChild(el("p", { text: data.passed ? "✅ 核查通过：没有错误。" : "❌ 核查未通过，请修改以下错误后再提交。" }));
      data.findings.forEach(function (f) { box.appendChild(findingCard(f)); });
    }).catch(fail);
  });

  // reloading the page (or another phone) continues the draft the user was filling in
  var resume = $("view-drafts").getAttribute("data-resume");
  if (resume) openDraft(resume);

  /* ---- 政策问答 ----------------------------------------------------------------------- */

  function cite(c) { return c ? "依据：" + c.doc_id + " " + c.article : ""; }

  function procedureBox(data) {
    var box = el("div", { cls: "card" }, el("h2", { text: "办理程序" }));
    var j = data.jurisdiction || {};
    if (j.chain) box.appendChild(el("p", { text: "辖区：" + j.chain.join(" › ") }));
    var reserve = data.reserve || {};
    box.appendChild(el("p", { text: "收储方式：" + (reserve.mode || "已是储备土地，无需收储") }));
    if ((reserve.steps || []).length) {
      var ol = el("ol", { cls: "steps" });
      reserve.steps.forEach(function (s) {
        ol.appendChild(el("li", {}, document.createTextNode(s.title + (s.actor ? "（" + s.actor + "）" : "")),
          el("div", { cls: "cite", text: cite(s.cite) })));
      });
      box.appendChild(ol);
    }
    var supply = data.supply || {};
    if ((supply.methods || []).length) box.appendChild(el("p", { text: "供应方式：" + supply.methods.join("、") }));
    (supply.rules || []).forEach(function (r) {
      box.appendChild(el("div", { cls: "msg" }, document.createTextNode(r.text), el("div", { cls: "cite", text: cite(r.cite) })));
    });
    if ((data.preconditions || []).length) {
      box.appendChild(el("h3", { text: "前置条件" }));
      var ul = el("ol", { cls: "steps" });
      data.preconditions.forEach(function (p) {
        ul.appendChild(el("li", {}, document.createTextNode(p.item), el("div", { cls: "cite", text: cite(p.cite) })));
      });
      box.appendChild(ul);
    }
    (data.notes || []).forEach(function (n) { box.appendChild(el("p", { cls: "hint", text: n })); });
    return box;
  }

  $("ask-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = { question: $("question").value.trim(), home: true }; // no place: the user's own
    if ($("ask-place").value.trim()) body.jurisdiction = $("ask-place").value.trim();
    var out = clear($("ask-result"));
    out.appendChild(el("p", { cls: "hint", text: "正在检索……" }));
    request("POST", "/api/ask", body).then(function (data) {
      clear(out);
      if (data.note) out.appendChild(el("p", { cls: "hint", text: data.note }));
      if (!data.answers.length) out.appendChild(el("p", { text: "知识库中没有找到能回答这个问题的条文，请换个说法再试。" }));
      data.answers.forEach(function (a, i) {
        out.appendChild(el("div", { cls: "card answer-item" },
          el("h3", { text: (i + 1) + ". 《" + a.title + "》" + a.article + (a.in_force === false ? "（已不在有效期内）" : "") }),
          el("blockquote", { text: a.text }),
          a.gist ? el("p", { cls: "gist", text: "要点：" + a.gist }) : null));
      });
      if (data.procedure) out.appendChild(procedureBox(data.procedure));
      out.scrollIntoView({ behavior: "smooth", block: "start" });
    }).catch(function (err) { clear(out); fail(err); });
  });

  /* ---- 程序判定 ----------------------------------------------------------------------- */

  $("procedure-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var parcel = {};
    ["jurisdiction", "ownership", "current_right", "planned_use", "existing_construction_land"].forEach(function (k) {
      var v = $("p-" + k).value.trim();
      if (v === "true" || v === "false") parcel[k] = v === "true";
      else if (v) parcel[k] = v;
    });
    var out = clear($("procedure-result"));
    request("POST", "/api/procedure", parcel).then(function (data) {
      out.appendChild(procedureBox(data));
      out.scrollIntoView({ behavior: "smooth", block: "start" });
    }).catch(fail);
  });

  /* ---- 供应台账 ----------------------------------------------------------------------- */

  function ledgerQuery() {
    var year = $("ledger-year").value;
    return year ? "?year=" + encodeURIComponent(year) : "";
  }

  function loadLedger() {
    var q = ledgerQuery();
    request("GET", "/api/ledger" + q).then(function (data) {
      $("ledger-card").textContent = data.card + (data.scope ? "\n" + data.scope : "");
      var select = $("ledger-year");
      var years = [data.year, new Date().getFullYear()];
      years.forEach(function (y) {
        if (!select.querySelector("option[value='" + y + "']")) {
          select.appendChild(el("option", { value: String(y), text: y + " 年" }));
        }
      });
      var yq = "?year=" + data.year;
      $("ledger-chart").src = BASE + "/api/ledger/chart.png" + yq + "&t=" + Date.now();
      $("ledger-export").href = BASE + "/api/ledger/export.xlsx" + yq;
      $("supplied-usage").textContent = data.usage;
      var list = clear($("ledger-waiting"));
      $("ledger-waiting-box").hidden = !data.waiting.length;
      data.waiting.forEach(function (p) {
        var title = "#" + p.id + " " + p.project_name;
        var meta = p.area_ha.toFixed(2) + " 公顷 · 点此登记供应";
        list.appendChild(el("li", {}, el("button", { type: "button", cls: "item", "data-parcel": String(p.id) },
          el("span", { cls: "title", text: title }), el("span", { cls: "meta", text: meta }))));
      });
    }).catch(function (err) { $("ledger-card").textContent = err.message; });
  }

  $("ledger-year").addEventListener("change", loadLedger);

  $("ledger-waiting").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-parcel]");
    if (!b) return;
    var input = $("supplied-text");
    input.value = b.getAttribute("data-parcel") + " ";
    input.focus();
  });

  $("supplied-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    request("POST", "/api/ledger/supplied", { text: $("supplied-text").value.trim() }).then(function (p) {
      $("supplied-text").value = "";
      toast("已登记供应：#" + p.id + " " + p.project_name + "，" + p.supplied_date + " " + (p.supply_basis || ""));
      loadLedger();
    }).catch(fail);
  });

  $("ledger-file").addEventListener("change", function (ev) {
    var file = ev.target.files[0];
    if (!file) return;
    var out = clear($("ledger-import-result"));
    out.appendChild(el("p", { cls: "hint", text: "正在导入……" }));
    fetch(BASE + "/api/ledger/import", {
      method: "POST", credentials: "same-origin", body: file,
      headers: { "X-CSRF-Token": cookie("csrf"), "X-File-Name": encodeURIComponent(file.name),
                 "Content-Type": "application/octet-stream" }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        clear(out);
        if (!res.ok) {
          var box = el("div", { cls: "finding error" }, el("div", { text: data.error || "导入失败（" + res.status + "）" }));
          if ((data.problems || []).length) {
            var ul = el("ul", { cls: "problems" });
            data.problems.forEach(function (p) { ul.appendChild(el("li", { text: p })); });
            if (data.more > 0) ul.appendChild(el("li", { text: "……另有 " + data.more + " 处" }));
            box.appendChild(ul);
          }
          out.appendChild(box);
          return;
        }
        var skipped = data.skipped.length ? "，跳过 " + data.skipped.length + " 处" : "";
        out.appendChild(el("p", { cls: "msg", text: "已导入（工作表「" + data.sheet + "」）：新增 " + data.inserted +
          " 宗，更新 " + data.updated + " 宗" + skipped + "。" }));
        loadLedger();
      });
    }).catch(fail).then(function () { ev.target.value = ""; });
  });

  /* ---- 审核 --------------------------------------------------------------------------- */

  function reviewCount(n) {
    var count = $("review-count");
    if (!count) return;
    count.textContent = String(n);
    count.setAttribute("aria-label", n + " 份待审核");
    count.hidden = !n;
  }

  function loadReviews() {
    request("GET", "/api/reviews").then(function (data) {
      var list = clear($("review-list"));
      reviewCount(data.drafts.length);
      $("review-detail").hidden = true;
      if (!data.drafts.length) list.appendChild(el("li", { cls: "empty", text: "没有等待审核的方案。" }));
      data.drafts.forEach(function (d) {
        var li = draftItem(d);
        li.firstChild.setAttribute("data-review", String(d.draft_id));
        li.firstChild.removeAttribute("data-open");
        li.firstChild.appendChild(el("span", { cls: "meta", text: "经办人：" + d.owner }));
        list.appendChild(li);
      });
    }).catch(fail);
  }

  if ($("review-list")) {
    $("review-list").addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-review]");
      if (!b) return;
      request("GET", "/api/drafts/" + b.getAttribute("data-review")).then(function (d) {
        reviewing = d;
        $("review-title").textContent = "【" + d.draft_id + "】《" + (d.title || "未命名") + "》";
        $("review-card").textContent = d.card;
        var f = clear($("review-findings"));
        d.findings.forEach(function (x) { f.appendChild(findingCard(x)); });
        downloads($("review-downloads"), d.draft_id, d.kind);
        $("review-comment").value = "";
        $("review-detail").hidden = false;
        $("review-detail").scrollIntoView();
      }).catch(fail);
    });
    var decide = function (path) {
      request("POST", "/api/drafts/" + reviewing.draft_id + "/" + path, { comment: $("review-comment").value })
        .then(function (data) {
          toast(data.status === "approved" ? "已同意。" : "已退回修改。");
          loadReviews();
        }).catch(fail);
    };
    $("approve").addEventListener("click", function () { decide("approve"); });
    $("send-back").addEventListener("click", function () { decide("return"); });
  }

  /* ---- notices ------------------------------------------------------------------------
     The page cannot push: it looks for news when it opens, every 30 s while it is in view
     and when it comes back into view. A notice stays (here and on the user's other phones)
     until the user taps 知道了 or 查看. A failed look stays quiet (and never leaves the page:
     what the user is typing is not lost); the next look tries again. */

  var onShow = {};

  function noticeCard(n) {
    var waiting = n.kind === "review_waiting";
    var go = el("button", { type: "button", cls: "primary", text: waiting ? "去审核" : "查看" });
    var ok = el("button", { type: "button", text: "知道了" });
    var box = el("div", { cls: "notice " + (n.decision || "waiting") },
      el("p", { text: n.text }), el("div", { cls: "row" }, go, ok));
    function seen() {
      if (box.parentNode) box.parentNode.removeChild(box);
      request("POST", "/api/notices/seen", { ids: [n.id] }).catch(function () {});
    }
    go.addEventListener("click", function () {
      seen();
      if (waiting) show("reviews"); else openDraft(n.draft_id);
    });
    ok.addEventListener("click", seen);
    return box;
  }

  function lookForNotices() {
    fetch(BASE + "/api/notices", { credentials: "same-origin" }).then(function (res) {
      return res.ok ? res.json() : { notices: [] };
    }).then(function (data) {
      var fresh = data.notices.filter(function (n) { return !onShow[n.id]; });
      if (!fresh.length) return;
      fresh.forEach(function (n) { onShow[n.id] = true; $("notices").appendChild(noticeCard(n)); });
      if (fresh.some(function (n) { return n.kind === "review_waiting"; })) {
        if (!$("view-reviews") || $("view-reviews").hidden) {
          request("GET", "/api/reviews").then(function (r) { reviewCount(r.drafts.length); }).catch(function () {});
        } else loadReviews();
      }
      if (!$("view-drafts").hidden) loadDrafts(); // a decided plan shows its new status
      if (window.scrollY > 120) toast(fresh[0].text + (fresh.length > 1 ? "（另有 " + (fresh.length - 1) + " 条）" : ""));
    }).catch(function () {});
  }

  lookForNotices();
  setInterval(function () { if (!document.hidden) lookForNotices(); }, 30000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) lookForNotices(); });
})();
