// Small DOM and formatting helpers: text is always set as text, never as HTML.
import { t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function flash(message, kind = "ok") {
  const box = document.getElementById("flash");
  box.replaceChildren(h("p", { class: kind }, message));
}

export function showError(err) {
  const body = err.body || {};
  const details = (body.errors || []).map((e) => `${e.path}: ${e.message || e.rule}`);
  flash([body.title || t("error"), body.detail || (err.body ? null : err.message), ...details].filter(Boolean).join(" — "), "error");
}

// "3 h 20 min left" / "overdue by 5 min": the time left, said plainly.
export function timeLeft(seconds) {
  if (seconds === null || seconds === undefined) return h("span", { class: "muted" }, "—");
  const abs = Math.abs(seconds);
  const d = Math.floor(abs / 86400), hh = Math.floor((abs % 86400) / 3600), m = Math.floor((abs % 3600) / 60);
  const parts = d ? [`${d}${t("u_day")}`, `${hh}${t("u_hour")}`] : hh ? [`${hh}${t("u_hour")}`, `${m}${t("u_min")}`] : [`${m}${t("u_min")}`];
  const text = seconds < 0 ? t("overdue_by", { t: parts.join(" ") }) : t("left", { t: parts.join(" ") });
  return h("span", { class: seconds < 0 ? "late" : seconds < 6 * 3600 ? "soon" : "" }, text);
}

export function money(cents) {
  return cents === null || cents === undefined ? "—" : `¥${(cents / 100).toFixed(2)}`;
}

export function cents(yuan) { return Math.round(parseFloat(yuan) * 100); }

export function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

export function status(code) { return h("span", { class: "badge", "data-status": code }, t(`status.${code}`)); }

export function complaintTable(items, columns) {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col" }, t(c))));
  const rows = items.map((it) => h("tr", {}, columns.map((c) => h("td", {}, cell(c, it)))));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: columns.length }, t("none")))));
}

function cell(column, it) {
  switch (column) {
    case "col_title": return h("a", { href: `#/c/${it.id}` }, it.title);
    case "col_status": return status(it.status);
    case "col_category": return t(`cat.${it.category}`);
    case "col_waiting_on": return it.waiting_on ? t(`party.${it.waiting_on}`) : "—";
    case "col_due": return it.due_at ? when(it.due_at) : "—";
    case "col_left": return timeLeft(it.remaining_seconds);
    case "col_buyer": return it.buyer_id;
    case "col_merchant": return it.merchant_id;
    case "col_level": return String(it.escalation_level);
    case "col_holder": return it.holder || "—";
    default: return "";
  }
}

export function field(label, input) { return h("label", {}, h("span", {}, t(label)), input); }

export function select(name, values, prefix, attrs = {}) {
  return h("select", { name, ...attrs }, values.map((v) => h("option", { value: v }, prefix ? t(`${prefix}.${v}`) : v)));
}

export function newKey() { return crypto.randomUUID(); }
