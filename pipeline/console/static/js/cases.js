// Platform staff: cases of many complaints (批量投诉), and one decision for a whole case.
import { api, me } from "./api.js";
import { t } from "./i18n.js";
import { REMEDIES } from "./buyer.js";
import { cents, complaintTable, field, flash, h, money, newKey, select, showError, when } from "./ui.js";

function product(c) { return `${t(`cat.${c.category}`)} · ${c.product_key}`; }

function caseTable(items) {
  const cols = ["col_case", "col_merchant", "col_opened", "col_complaints"];
  const rows = items.map((c) => h("tr", { "data-case": c.id },
    h("td", {}, h("a", { href: `#/staff/cases/${c.id}` }, product(c))),
    h("td", {}, c.merchant_id), h("td", {}, when(c.opened_at)), h("td", {}, String(c.complaints))));
  return h("table", {}, h("thead", {}, h("tr", {}, cols.map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: cols.length }, t("none")))));
}

export async function casesPage(_, view) {
  const [open, decided] = await Promise.all([
    api("GET", "/v1/cases?state=open&limit=100"), api("GET", "/v1/cases?state=decided&limit=20")]);
  view.replaceChildren(h("h1", {}, t("nav_cases")), h("p", { class: "muted" }, t("cases_intro")),
    h("h2", {}, t("cases_open")), caseTable(open.items),
    h("h2", {}, t("cases_decided")), caseTable(decided.items));
}

// The case decision: one outcome (an amount per complaint) citing a rule, for every open complaint.
function decisionForm(c, view) {
  const key = newKey();  // a retry of this form is a replay, not a second decision
  return h("form", { class: "card", id: "case-decision", onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(e.target), button = e.target.querySelector("button");
    const outcome = { decision: f.get("decision") };
    if (outcome.decision !== "merchant_wins") {
      outcome.amount_cents = cents(f.get("amount") || "0");
      if (f.get("remedy_type")) outcome.remedy_type = f.get("remedy_type");
    }
    button.disabled = true;
    try {
      const done = await api("POST", `/v1/cases/${c.id}/decisions`, { idempotency_key: key, outcome, rule: f.get("rule") });
      await casePage([null, c.id], view);
      flash(t("case_decided", { n: done.sent_to }));
    } catch (err) { showError(err); button.disabled = false; }
  } },
  h("h2", {}, t("case_decide")),
  h("p", { class: "muted" }, t("case_decide_help")),
  field("f_decision", select("decision", ["buyer_wins", "partial", "merchant_wins"], "decision")),
  field("f_amount_each", h("input", { name: "amount", type: "number", min: "0", step: "0.01" })),
  field("f_decided_remedy", h("select", { name: "remedy_type" }, h("option", { value: "" }, "—"),
    REMEDIES.map((r) => h("option", { value: r }, t(`remedy.${r}`))))),
  field("f_rule", h("input", { name: "rule", required: true, maxlength: "100", placeholder: "platform_rule_4_2" })),
  h("button", { type: "submit" }, t("case_decide")));
}

function decisions(items) {
  return h("ul", { id: "case-decisions" }, items.map((d) => h("li", {},
    `${when(d.created_at)} · ${t(`decision.${d.outcome.decision}`)} ${d.outcome.amount_cents === undefined ? "" : money(d.outcome.amount_cents)}`,
    d.outcome.remedy_type ? ` (${t(`remedy.${d.outcome.remedy_type}`)})` : "",
    ` · ${t("f_rule")} ${d.rule} · ${d.decided_by}`)));
}

export async function casePage(m, view = document.getElementById("view")) {
  const id = m[1];
  const [c, members] = await Promise.all([
    api("GET", `/v1/cases/${id}`), api("GET", `/v1/complaints?case_id=${id}&limit=200`)]);
  const mayDecide = me().grants.includes("arbitrate") && !c.decided_at;
  view.replaceChildren(...[
    h("h1", {}, `${t("case")} · ${product(c)}`),
    h("p", {}, `${t("col_merchant")} ${c.merchant_id} · ${t("col_opened")} ${when(c.opened_at)}`,
      c.decided_at ? ` · ${t("case_decided_at", { when: when(c.decided_at) })}` : ""),
    h("p", {}, h("a", { href: "#/staff/cases" }, t("nav_cases"))),
    h("section", {}, h("h2", {}, t("case_complaints", { n: c.complaints.length })),
      complaintTable(members.items, ["col_title", "col_status", "col_buyer", "col_waiting_on", "col_left", "col_holder"])),
    c.decisions.length ? h("section", {}, h("h2", {}, t("case_decisions")), decisions(c.decisions)) : null,
    mayDecide ? decisionForm(c, view) : null,
  ].filter(Boolean));
}
